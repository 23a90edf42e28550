#include "ui/runs/runs_panel.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/runs/run_list_model.h"

namespace studio::ui {

RunsPanel::RunsPanel(RunListModel* model, QWidget* parent) : QWidget(parent), m_model(model) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(4, 4, 4, 4);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("runsView"));
    m_view->setModel(model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->setAlternatingRowColors(true);
    m_view->setToolTip(tr("Double-click (or Enter) to open a run and show its curves"));
    v->addWidget(m_view, 1);
    auto* bar = new QHBoxLayout;
    auto* open = new QPushButton(tr("&Open"), this);
    auto* browse = new QPushButton(tr("Open folder…"), this);
    auto* refresh = new QPushButton(tr("Refresh"), this);
    auto* forget = new QPushButton(tr("Forget"), this);
    forget->setToolTip(tr("Remove from this list (the folder is not touched)"));
    for (auto* b : {open, browse, refresh, forget}) bar->addWidget(b);
    bar->addStretch();
    v->addLayout(bar);

    auto current = [this] { return m_model->pathAt(m_view->currentIndex().row()); };
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex& i) { emit openRequested(m_model->pathAt(i.row())); });
    connect(open, &QPushButton::clicked, this, [this, current] {
        if (!current().isEmpty()) emit openRequested(current());
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a run folder"));
        if (!dir.isEmpty()) emit openRequested(dir);
    });
    connect(refresh, &QPushButton::clicked, model, &RunListModel::refresh);
    connect(forget, &QPushButton::clicked, this, [this, current] {
        if (!current().isEmpty()) emit forgetRequested(current());
    });
}

}  // namespace studio::ui
