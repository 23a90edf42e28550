#include "ui/compare/compare_view.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>
#include <qcustomplot.h>

namespace studio::ui {

QColor runColor(int index) {
    static const QColor kPalette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115), QColor(204, 121, 167),
                                      QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 0, 0), QColor(240, 228, 66)};
    return kPalette[index % 8];
}

namespace {
QCustomPlot* makePlot(const QString& title, const QString& y, QWidget* parent) {
    auto* p = new QCustomPlot(parent);
    p->plotLayout()->insertRow(0);
    p->plotLayout()->addElement(0, 0, new QCPTextElement(p, title, QFont(p->font().family(), 10, QFont::Bold)));
    p->xAxis->setLabel(QObject::tr("epoch"));
    p->yAxis->setLabel(y);
    p->legend->setVisible(true);
    p->legend->setBrush(QColor(255, 255, 255, 220));
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->setMinimumHeight(200);
    return p;
}
void addCurve(QCustomPlot* p, const RunCurve& c, const QString& name, const QColor& color, Qt::PenStyle style, bool dots) {
    if (c.x.isEmpty()) return;
    QCPGraph* g = p->addGraph();
    g->setName(name);
    QPen pen(color, 1.6);
    pen.setStyle(style);
    g->setPen(pen);
    if (dots) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    g->setData(c.x, c.y, true);
}
}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("compareRuns"));
    m_list->setMaximumHeight(90);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* buttons = new QVBoxLayout;
    auto* add = new QPushButton(tr("Add runs…"), this);
    add->setToolTip(tr("Choose run folders (each holds events.jsonl or log.txt)"));
    auto* remove = new QPushButton(tr("Remove"), this);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    top->addWidget(m_list, 1);
    top->addLayout(buttons);
    v->addLayout(top);
    m_summary = new QLabel(tr("Add two or more run folders to compare their curves and settings."), this);
    m_summary->setStyleSheet(QStringLiteral("color: #607d8b;"));
    v->addWidget(m_summary);

    auto* split = new QSplitter(Qt::Vertical, this);
    auto* plots = new QWidget(split);
    auto* ph = new QHBoxLayout(plots);
    ph->setContentsMargins(0, 0, 0, 0);
    m_loss = makePlot(tr("Training loss"), tr("loss"), plots);
    m_map = makePlot(tr("mAP 50:95 (validation)"), tr("mAP"), plots);
    m_map->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    ph->addWidget(m_loss);
    ph->addWidget(m_map);
    split->addWidget(plots);
    auto* tableBox = new QWidget(split);
    auto* tv = new QVBoxLayout(tableBox);
    tv->setContentsMargins(0, 0, 0, 0);
    m_onlyDiff = new QCheckBox(tr("Only settings that differ"), tableBox);
    tv->addWidget(m_onlyDiff);
    m_table = new QTableWidget(tableBox);
    m_table->setObjectName(QStringLiteral("compareConfigs"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    tv->addWidget(m_table, 1);
    split->addWidget(tableBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    v->addWidget(split, 1);

    connect(add, &QPushButton::clicked, this, &CompareView::chooseRuns);
    connect(remove, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (auto* item : m_list->selectedItems()) rows << m_list->row(item);
        std::sort(rows.begin(), rows.end(), std::greater<int>());
        for (int r : rows) m_runs.erase(m_runs.begin() + r);
        rebuild();
    });
    connect(m_onlyDiff, &QCheckBox::toggled, this, &CompareView::rebuildTable);
    rebuild();
}

void CompareView::chooseRuns() {
    // A folder dialog picks one folder at a time; keep asking until the user cancels.
    QString last = m_runs.empty() ? QString() : m_runs.back().dir;
    for (;;) {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a run folder to compare (Cancel when done)"), last);
        if (dir.isEmpty()) return;
        QString error;
        if (!addRun(dir, &error)) emit message(error);
        last = dir;
    }
}

bool CompareView::addRun(const QString& dir, QString* error) {
    RunHistory h = loadRunHistory(dir);
    if (!h.error.isEmpty()) {
        if (error) *error = h.error;
        return false;
    }
    for (auto& r : m_runs) {
        if (r.dir == h.dir) {
            r = h;
            rebuild();
            return true;
        }
    }
    // Two runs called "run1" in different parents: show the parent too.
    for (const auto& r : m_runs) {
        if (r.name == h.name) h.name = QFileInfo(QFileInfo(h.dir).path()).fileName() + QLatin1Char('/') + h.name;
    }
    m_runs.push_back(std::move(h));
    rebuild();
    return true;
}

void CompareView::removeRun(int index) {
    if (index < 0 || index >= static_cast<int>(m_runs.size())) return;
    m_runs.erase(m_runs.begin() + index);
    rebuild();
}

void CompareView::clearRuns() {
    m_runs.clear();
    rebuild();
}

void CompareView::setOnlyDifferences(bool on) { m_onlyDiff->setChecked(on); }

void CompareView::rebuild() {
    m_list->clear();
    for (int i = 0; i < static_cast<int>(m_runs.size()); ++i) {
        const RunHistory& r = m_runs[static_cast<size_t>(i)];
        QPixmap swatch(12, 12);
        swatch.fill(runColor(i));
        QString text = tr("%1 — %2").arg(r.name, r.dir);
        if (r.source == QLatin1String("log.txt")) text += tr(" (from log.txt)");
        if (r.malformedLines > 0) text += tr(" (%n unreadable line(s))", nullptr, r.malformedLines);
        m_list->addItem(new QListWidgetItem(QIcon(swatch), text));
    }
    m_summary->setVisible(m_runs.size() < 2);
    rebuildPlots();
    rebuildTable();
}

void CompareView::rebuildPlots() {
    for (QCustomPlot* p : {m_loss, m_map}) p->clearGraphs();
    for (int i = 0; i < static_cast<int>(m_runs.size()); ++i) {
        const RunHistory& r = m_runs[static_cast<size_t>(i)];
        addCurve(m_loss, r.loss, r.name, runColor(i), Qt::SolidLine, r.loss.x.size() < 60);
        addCurve(m_map, r.map, r.name, runColor(i), Qt::SolidLine, true);
        addCurve(m_map, r.emaMap, tr("%1 (EMA)").arg(r.name), runColor(i), Qt::DashLine, true);
    }
    for (QCustomPlot* p : {m_loss, m_map}) {
        p->rescaleAxes();
        p->yAxis->scaleRange(1.1, p->yAxis->range().center());
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

void CompareView::rebuildTable() {
    const std::vector<ConfigRow> rows = compareConfigs(m_runs);
    const bool only = m_onlyDiff->isChecked();
    QStringList headers;
    for (const auto& r : m_runs) headers << r.name;
    m_table->clear();
    m_table->setColumnCount(static_cast<int>(m_runs.size()));
    m_table->setHorizontalHeaderLabels(headers);
    QStringList keys;
    int n = 0;
    for (const ConfigRow& row : rows) n += !only || row.differs;
    m_table->setRowCount(n);
    int i = 0;
    for (const ConfigRow& row : rows) {
        if (only && !row.differs) continue;
        keys << row.key;
        for (int c = 0; c < row.values.size(); ++c) {
            auto* item = new QTableWidgetItem(row.values[c]);
            if (row.differs) {
                item->setBackground(QColor(255, 236, 179));
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            m_table->setItem(i, c, item);
        }
        ++i;
    }
    m_table->setVerticalHeaderLabels(keys);
}

}  // namespace studio::ui
