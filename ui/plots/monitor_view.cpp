#include "ui/plots/monitor_view.h"

#include <QDir>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/plots/metric_store.h"
#include "ui/plots/plot_panel.h"

namespace studio::ui {

namespace {
// Colour-blind-safe palette (Okabe–Ito), one colour per loss term / GPU.
const QColor kPalette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115), QColor(204, 121, 167),
                           QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 0, 0), QColor(240, 228, 66)};

std::optional<GraphSpec> gpuGraph(const QString& series, const QString& metric) {
    static const QRegularExpression re(QStringLiteral(R"(^gpu(\d+)/(.+)$)"));
    const auto m = re.match(series);
    if (!m.hasMatch() || m.captured(2) != metric) return std::nullopt;
    const int i = m.captured(1).toInt();
    return GraphSpec{series, QObject::tr("GPU %1").arg(i), kPalette[i % 8]};
}
}  // namespace

MonitorView::MonitorView(MetricStore* store, QWidget* parent) : QWidget(parent), m_store(store) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("progressSummary"));
    m_summary->setContentsMargins(6, 2, 6, 2);
    v->addWidget(m_summary);
    m_tabs = new QTabWidget(this);
    v->addWidget(m_tabs, 1);

    auto* training = new QWidget(m_tabs);
    auto* tg = new QGridLayout(training);
    tg->setContentsMargins(2, 2, 2, 2);
    auto* loss = new PlotPanel(tr("Loss"), PlotPanel::XKind::Step, tr("loss"), store, training);
    loss->enableSmoothing(0.6);  // TensorBoard's default; before the graphs so the legend keeps their order
    const char* terms[] = {"total", "ce", "bbox", "giou"};
    for (int i = 0; i < 4; ++i) {
        const QString t = QString::fromLatin1(terms[i]);
        GraphSpec g{QStringLiteral("train/loss/") + t, tr("train %1").arg(t), kPalette[i]};
        g.smoothable = true;
        loss->addGraph(g);
    }
    for (int i = 0; i < 4; ++i) {
        const QString t = QString::fromLatin1(terms[i]);
        loss->addGraph({QStringLiteral("val/loss/") + t, tr("val %1").arg(t), kPalette[i], Qt::DashLine, false, true});
    }
    loss->setLogY(false, true);
    auto* lr = new PlotPanel(tr("Learning rate"), PlotPanel::XKind::Step, tr("lr"), store, training);
    lr->addGraph({QStringLiteral("lr"), tr("lr (decoder)"), kPalette[0]});
    lr->setLogY(false, true);
    auto* map = new PlotPanel(tr("mAP"), PlotPanel::XKind::Epoch, tr("mAP"), store, training);
    map->addGraph({QStringLiteral("map/regular/50_95"), tr("mAP 50:95"), kPalette[0], Qt::SolidLine, false, true});
    map->addGraph({QStringLiteral("map/regular/50"), tr("mAP 50"), kPalette[5], Qt::SolidLine, false, true});
    map->addGraph({QStringLiteral("map/ema/50_95"), tr("EMA mAP 50:95"), kPalette[1], Qt::DashLine, false, true});
    map->addGraph({QStringLiteral("map/ema/50"), tr("EMA mAP 50"), kPalette[4], Qt::DashLine, false, true});
    map->setEmptyText(tr("No evaluation yet (after each epoch)"));
    map->setLegendAlignment(Qt::AlignBottom | Qt::AlignRight);  // mAP rises towards the top right
    auto* speed = new PlotPanel(tr("Throughput"), PlotPanel::XKind::Step, tr("images / s"), store, training);
    speed->addGraph({QStringLiteral("throughput/imgs_per_s"), tr("images/s"), kPalette[2]});
    speed->addGraph({QStringLiteral("throughput/data_wait_ms"), tr("data wait (ms)"), kPalette[1], Qt::SolidLine, true});
    speed->setRightAxisLabel(tr("data wait (ms)"));
    tg->addWidget(loss, 0, 0);
    tg->addWidget(map, 0, 1);
    tg->addWidget(lr, 1, 0);
    tg->addWidget(speed, 1, 1);
    m_tabs->addTab(training, tr("&Training"));

    auto* gpus = new QWidget(m_tabs);
    auto* gv = new QVBoxLayout(gpus);
    gv->setContentsMargins(2, 2, 2, 2);
    m_gpuNote = new QLabel(gpus);
    m_gpuNote->setWordWrap(true);
    m_gpuNote->setStyleSheet(QStringLiteral("color: #607d8b;"));
    m_gpuNote->setVisible(false);
    gv->addWidget(m_gpuNote);
    auto* gg = new QGridLayout;
    gv->addLayout(gg, 1);
    struct GpuPlot { const char* title; const char* metric; const char* unit; };
    const GpuPlot plots[] = {{"Utilisation", "util", "%"}, {"Memory used", "mem_gb", "GB"},
                             {"Temperature", "temp_c", "°C"}, {"Power", "power_w", "W"}};
    QList<PlotPanel*> gpuPanels;
    for (int i = 0; i < 4; ++i) {
        auto* p = new PlotPanel(tr(plots[i].title), PlotPanel::XKind::Seconds, QString::fromUtf8(plots[i].unit), store, gpus);
        const QString metric = QString::fromLatin1(plots[i].metric);
        p->setAutoGraph([metric](const QString& s) { return gpuGraph(s, metric); });
        p->setEmptyText(tr("No GPU samples"));
        gg->addWidget(p, i / 2, i % 2);
        gpuPanels << p;
    }
    m_tabs->addTab(gpus, tr("&GPUs"));
    m_panels = {loss, map, lr, speed};
    m_panels += gpuPanels;

    connect(store, &MetricStore::appended, this, &MonitorView::updateSummary);
    connect(store, &MetricStore::cleared, this, &MonitorView::updateSummary);
    updateSummary();
}

PlotPanel* MonitorView::panel(const QString& title) const {
    for (PlotPanel* p : m_panels) {
        if (p->title() == title) return p;
    }
    return nullptr;
}

void MonitorView::showGpuTab() { m_tabs->setCurrentIndex(1); }

void MonitorView::setGpuNote(const QString& text) {
    m_gpuNote->setText(text);
    m_gpuNote->setVisible(!text.isEmpty());
}

QStringList MonitorView::exportAll(const QString& dir) {
    QStringList written;
    QDir().mkpath(dir);
    for (PlotPanel* p : m_panels) {
        QString name = p->title().toLower();
        name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
        const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
        if (p->exportPng(path, 1200, 800)) written << path;
    }
    return written;
}

void MonitorView::updateSummary() {
    if (m_store->lastStep() < 0 && m_store->lastEpoch() < 0) {
        m_summary->setText(tr("No run loaded: start one, or open a run folder under Runs."));
        return;
    }
    const QLocale loc;
    QStringList parts;
    parts << tr("Epoch %1").arg(m_store->lastEpoch() + 1);
    if (m_store->lastStep() >= 0) {
        QString step = tr("step %1").arg(loc.toString(m_store->lastStep()));
        if (m_store->stepsPerEpoch() > 0) step += tr(" (%1 per epoch)").arg(loc.toString(m_store->stepsPerEpoch()));
        parts << step;
    }
    if (const Series* s = m_store->series(QStringLiteral("train/loss/total")); s && !s->values.isEmpty())
        parts << tr("loss %1").arg(s->values.back(), 0, 'g', 4);
    if (m_store->bestMap() >= 0) parts << tr("best mAP 50:95 %1").arg(m_store->bestMap(), 0, 'f', 3);
    if (const Series* s = m_store->series(QStringLiteral("throughput/imgs_per_s")); s && !s->values.isEmpty())
        parts << tr("%1 img/s").arg(s->values.back(), 0, 'f', 1);
    if (m_store->nonFinitePoints() > 0) parts << tr("%n non-finite loss value(s)", nullptr, int(m_store->nonFinitePoints()));
    m_summary->setText(parts.join(QStringLiteral(" · ")));
}

}  // namespace studio::ui
