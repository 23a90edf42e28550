#include "ui/health/health_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

namespace studio::ui {

namespace {
enum Column { kRank, kGpu, kStep, kWait, kShare, kUtil, kSpeed, kLast, kColumns };
const QColor kBad(255, 224, 178);
}  // namespace

HealthView::HealthView(QWidget* parent) : QWidget(parent) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(6, 6, 6, 6);
    m_warnings = new QLabel(this);
    m_warnings->setObjectName(QStringLiteral("healthWarnings"));
    m_warnings->setWordWrap(true);
    m_warnings->setTextFormat(Qt::PlainText);
    m_warnings->setStyleSheet(QStringLiteral("QLabel { background: #fff4e5; border: 1px solid #f0b429; border-radius: 4px; padding: 6px; }"));
    m_warnings->setVisible(false);
    v->addWidget(m_warnings);
    m_table = new QTableWidget(0, kColumns, this);
    m_table->setHorizontalHeaderLabels({tr("Rank"), tr("GPU"), tr("Step time (ms)"), tr("Data wait (ms)"),
                                        tr("Wait share"), tr("GPU util (%)"), tr("Images/s"), tr("Last step")});
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    v->addWidget(m_table, 1);
    m_note = new QLabel(tr("Step time: median of each rank's last %1 steps; data wait: their mean. A rank more than "
                           "%2% slower than the others is a straggler; a wait above %3% of the step means the GPU "
                           "is starved of data.")
                            .arg(HealthTracker::kWindow)
                            .arg(qRound((HealthTracker::kStragglerRatio - 1) * 100))
                            .arg(qRound(HealthTracker::kDataBoundShare * 100)),
                        this);
    m_note->setWordWrap(true);
    m_note->setStyleSheet(QStringLiteral("color: #607d8b;"));
    v->addWidget(m_note);
    m_refresh.setSingleShot(true);
    m_refresh.setInterval(500);
    connect(&m_refresh, &QTimer::timeout, this, &HealthView::refresh);
    refresh();
}

void HealthView::addEvents(const std::vector<Event>& events) {
    m_tracker.addEvents(events);
    if (!m_refresh.isActive()) m_refresh.start();
}

void HealthView::clear() {
    m_tracker.clear();
    refresh();
}

QString HealthView::warningText() const { return m_warnings->isHidden() ? QString() : m_warnings->text(); }

void HealthView::refresh() {
    m_refresh.stop();
    const auto rows = m_tracker.ranks();
    const QLocale loc;
    m_table->setRowCount(static_cast<int>(rows.size()));
    auto set = [this](int row, int col, const QString& text, bool bad = false) {
        auto* item = new QTableWidgetItem(text);
        item->setTextAlignment(col == kRank || col == kGpu ? Qt::AlignCenter : Qt::AlignRight | Qt::AlignVCenter);
        if (bad) item->setBackground(kBad);
        m_table->setItem(row, col, item);
    };
    // Several nodes: a GPU index alone is ambiguous, so the cell names the node too.
    bool severalNodes = false;
    for (const RankHealth& r : rows) severalNodes = severalNodes || (!r.host.isEmpty() && r.host != rows.front().host);
    for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
        const RankHealth& r = rows[static_cast<size_t>(i)];
        set(i, kRank, QString::number(r.rank), r.straggler);
        const QString gpu = r.gpuIndex < 0 ? tr("CPU/—") : QString::number(r.gpuIndex);
        set(i, kGpu, severalNodes && !r.host.isEmpty() ? tr("%1 · %2").arg(r.host, gpu) : gpu);
        if (!r.host.isEmpty()) m_table->item(i, kGpu)->setToolTip(tr("GPU %1 on %2").arg(gpu, r.host));
        set(i, kStep, r.stepMs > 0 ? loc.toString(r.stepMs, 'f', 1) : tr("—"), r.straggler);
        set(i, kWait, loc.toString(r.dataWaitMs, 'f', 1), r.dataBound);
        set(i, kShare, r.stepMs > 0 ? QStringLiteral("%1%").arg(qRound(r.waitShare * 100)) : tr("—"), r.dataBound);
        set(i, kUtil, r.gpuUtil >= 0 ? loc.toString(r.gpuUtil, 'f', 0) : tr("—"));
        set(i, kSpeed, r.imgsPerS > 0 ? loc.toString(r.imgsPerS, 'f', 1) : tr("—"));
        set(i, kLast, loc.toString(r.lastStep));
    }
    const QStringList w = m_tracker.warnings();
    m_warnings->setText(w.join(QLatin1Char('\n')));
    m_warnings->setVisible(!w.isEmpty());
}

}  // namespace studio::ui
