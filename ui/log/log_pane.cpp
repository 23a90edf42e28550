#include "ui/log/log_pane.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/log/log_model.h"

namespace studio::ui {

LogPane::LogPane(LogModel* model, QWidget* parent) : QWidget(parent), m_model(model), m_filter(new LogFilterModel(this)) {
    m_filter->setSourceModel(model);
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(2, 2, 2, 2);
    v->setSpacing(2);
    auto* bar = new QHBoxLayout;
    auto* title = new QLabel(tr("<b>Log</b>"), this);
    bar->addWidget(title);
    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("logLevel"));
    for (LogLevel l : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error})
        m_level->addItem(levelName(l), static_cast<int>(l));
    m_level->setCurrentIndex(2);
    m_level->setToolTip(tr("Show lines of this level and above"));
    auto* levelLabel = new QLabel(tr("&Level:"), this);
    levelLabel->setBuddy(m_level);
    bar->addWidget(levelLabel);
    bar->addWidget(m_level);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Filter…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(260);
    bar->addWidget(m_search);
    m_malformed = new QLabel(this);
    m_malformed->setObjectName(QStringLiteral("malformedLines"));
    m_malformed->setStyleSheet(QStringLiteral("color: #b26a00;"));
    m_malformed->setVisible(false);
    bar->addWidget(m_malformed);
    bar->addStretch();
    auto* copy = new QToolButton(this);
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the whole log to the clipboard"));
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    bar->addWidget(copy);
    bar->addWidget(clear);
    v->addLayout(bar);

    m_view = new QListView(this);
    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setModel(m_filter);
    m_view->setUniformItemSizes(true);  // constant-time layout, so a flood of lines stays cheap
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    v->addWidget(m_view, 1);

    connect(m_level, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setMinimumLevel(static_cast<LogLevel>(m_level->currentData().toInt()));
        emit minimumLevelChanged(minimumLevelName());
    });
    connect(m_search, &QLineEdit::textChanged, m_filter, &LogFilterModel::setText);
    connect(copy, &QToolButton::clicked, this, [this] { QApplication::clipboard()->setText(m_model->toPlainText()); });
    connect(clear, &QToolButton::clicked, m_model, &LogModel::clear);
    // Follow the tail only while the user is at the bottom.
    connect(m_filter, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        QScrollBar* bar = m_view->verticalScrollBar();
        m_view->setProperty("atBottom", bar->value() >= bar->maximum() - 2);
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_view->property("atBottom").toBool()) m_view->scrollToBottom();
    });
}

void LogPane::setMalformedCount(int count) {
    m_malformed->setText(tr("%n malformed event line(s) ignored", nullptr, count));
    m_malformed->setVisible(count > 0);
}

void LogPane::setMinimumLevelName(const QString& name) {
    const int i = m_level->findText(name);
    if (i >= 0) m_level->setCurrentIndex(i);
}

QString LogPane::minimumLevelName() const { return m_level->currentText(); }

}  // namespace studio::ui
