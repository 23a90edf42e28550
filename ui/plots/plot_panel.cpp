#include "ui/plots/plot_panel.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QSlider>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

#include "ui/plots/metric_store.h"

namespace studio::ui {

namespace {
constexpr int kCoalesceMs = 40;  // at most 25 replots per second

QString formatValue(double v) {
    if (!std::isfinite(v)) return QStringLiteral("—");
    const double a = std::fabs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) return QString::number(v, 'e', 3);
    return QString::number(v, 'g', 5);
}
}  // namespace

PlotPanel::PlotPanel(const QString& title, XKind x, const QString& yLabel, MetricStore* store, QWidget* parent)
    : QWidget(parent), m_title(title), m_xKind(x), m_store(store) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    auto* bar = new QHBoxLayout;
    auto* titleLabel = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), this);
    bar->addWidget(titleLabel);
    bar->addStretch();
    m_smoothSlider = new QSlider(Qt::Horizontal, this);
    m_smoothSlider->setObjectName(QStringLiteral("smoothing"));
    m_smoothSlider->setRange(0, 99);
    m_smoothSlider->setFixedWidth(90);
    m_smoothSlider->setVisible(false);
    m_smoothSlider->setToolTip(tr("Smoothing of the per-step curves (exponential moving average, as TensorBoard); "
                                  "the raw values stay visible, faint"));
    connect(m_smoothSlider, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    auto* smoothLabel = new QLabel(tr("Smoothing"), this);
    smoothLabel->setBuddy(m_smoothSlider);
    smoothLabel->setVisible(false);
    m_smoothSlider->setProperty("label", QVariant::fromValue<QObject*>(smoothLabel));
    bar->addWidget(smoothLabel);
    bar->addWidget(m_smoothSlider);
    m_logBox = new QCheckBox(tr("Log scale"), this);
    m_logBox->setVisible(false);
    m_logBox->setToolTip(tr("Logarithmic y axis"));
    connect(m_logBox, &QCheckBox::toggled, this, [this](bool on) { setLogY(on, true); });
    bar->addWidget(m_logBox);
    auto* fitButton = new QToolButton(this);
    fitButton->setText(tr("Fit"));
    fitButton->setToolTip(tr("Fit the axes to the data and follow new points (zooming or dragging stops following)"));
    connect(fitButton, &QToolButton::clicked, this, &PlotPanel::fit);
    bar->addWidget(fitButton);
    auto* exportButton = new QToolButton(this);
    exportButton->setText(tr("PNG…"));
    exportButton->setToolTip(tr("Export this plot as a PNG image"));
    connect(exportButton, &QToolButton::clicked, this, &PlotPanel::exportWithDialog);
    bar->addWidget(exportButton);
    layout->addLayout(bar);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(title);
    m_plot->setMinimumSize(220, 140);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setNotAntialiasedElements(QCP::aePlottables);
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
    m_plot->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(qMax(7.0, legendFont.pointSizeF() - 2));
    m_plot->legend->setFont(legendFont);
    m_plot->legend->setIconSize(18, 8);
    m_plot->legend->setRowSpacing(-2);
    m_plot->legend->setBrush(QColor(255, 255, 255, 200));
    m_plot->legend->setBorderPen(QPen(QColor(0xb0, 0xb0, 0xb0)));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->xAxis->setLabel(x == XKind::Step ? tr("optimiser step") : x == XKind::Epoch ? tr("epoch") : tr("time"));
    m_plot->yAxis->setLabel(yLabel);
    if (x == XKind::Epoch) {
        QSharedPointer<QCPAxisTickerFixed> t(new QCPAxisTickerFixed);  // whole epochs only
        t->setTickStep(1.0);
        t->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        m_plot->xAxis->setTicker(t);
        m_plot->xAxis->setNumberFormat(QStringLiteral("f"));
        m_plot->xAxis->setNumberPrecision(0);
    }
    if (x == XKind::Seconds) {
        QSharedPointer<QCPAxisTickerTime> t(new QCPAxisTickerTime);
        t->setTimeFormat(QStringLiteral("%h:%m:%s"));
        m_plot->xAxis->setTicker(t);
    }
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_follow = false; });
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { m_follow = false; });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { fit(); });
    layout->addWidget(m_plot, 1);

    m_empty = new QLabel(m_plot);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setStyleSheet(QStringLiteral("color: #888;"));
    m_empty->setAttribute(Qt::WA_TransparentForMouseEvents);
    setEmptyText(tr("No data yet"));

    m_coalesce.setSingleShot(true);
    m_coalesce.setInterval(kCoalesceMs);
    connect(&m_coalesce, &QTimer::timeout, this, &PlotPanel::flush);
    if (m_store) {
        connect(m_store, &MetricStore::appended, this, &PlotPanel::scheduleUpdate);
        connect(m_store, &MetricStore::seriesAdded, this, &PlotPanel::onSeriesAdded);
        connect(m_store, &MetricStore::cleared, this, &PlotPanel::onCleared);
    }
}

void PlotPanel::setEmptyText(const QString& text) {
    m_empty->setText(text);
    updateEmptyState();
}

void PlotPanel::setLegendAlignment(Qt::Alignment alignment) {
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, alignment);
}

void PlotPanel::addGraph(const GraphSpec& spec) { bindGraph(spec); }

void PlotPanel::enableSmoothing(double weight) {
    m_smoothSlider->setVisible(true);
    if (auto* label = qobject_cast<QWidget*>(m_smoothSlider->property("label").value<QObject*>())) label->setVisible(true);
    m_smoothSlider->setValue(qRound(weight * 100));
    setSmoothing(weight);
}

void PlotPanel::setSmoothing(double weight) {
    m_smoothing = qBound(0.0, weight, 0.99);
    if (m_smoothSlider->value() != qRound(m_smoothing * 100)) {
        const QSignalBlocker block(m_smoothSlider);
        m_smoothSlider->setValue(qRound(m_smoothing * 100));
    }
    for (auto& b : m_graphs) {
        restyle(b);
        rebuildSmoothed(b);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::restyle(Bound& b) {
    const bool smoothing = b.spec.smoothable && m_smoothing > 0;
    if (smoothing && !b.smooth) {
        b.smooth = m_plot->addGraph(m_plot->xAxis, b.graph->valueAxis());
        b.smooth->setPen(QPen(b.spec.color, 1.5, b.spec.style));
        b.smooth->setName(b.spec.label);
        b.graph->removeFromLegend();
    } else if (!smoothing && b.smooth) {
        m_plot->removeGraph(b.smooth);
        b.smooth = nullptr;
        b.graph->addToLegend();
    }
    // Raw values faint under a smoothed line (a lighter colour, not alpha: cheaper to draw).
    b.graph->setPen(QPen(smoothing ? b.spec.color.lighter(175) : b.spec.color, 1, b.spec.style));
}

void PlotPanel::rebuildSmoothed(Bound& b) {
    if (!b.smooth) return;
    b.smoother = Smoother{m_smoothing};
    QVector<double> keys, values;
    keys.reserve(b.graph->dataCount());
    values.reserve(b.graph->dataCount());
    for (auto it = b.graph->data()->constBegin(); it != b.graph->data()->constEnd(); ++it) {
        keys << it->key;
        values << b.smoother.next(it->value);
    }
    b.smooth->setData(keys, values, true);
}

QVector<double> PlotPanel::smoothedValues(const QString& series) const {
    QVector<double> out;
    for (const auto& b : m_graphs) {
        if (b.spec.series != series || !b.smooth) continue;
        for (auto it = b.smooth->data()->constBegin(); it != b.smooth->data()->constEnd(); ++it) out << it->value;
    }
    return out;
}

void PlotPanel::setAutoGraph(std::function<std::optional<GraphSpec>(const QString&)> factory) {
    m_autoGraph = std::move(factory);
    if (m_store) {
        for (const QString& name : m_store->seriesNames()) onSeriesAdded(name);
    }
}

void PlotPanel::bindGraph(const GraphSpec& spec) {
    QCPAxis* valueAxis = spec.rightAxis ? m_plot->yAxis2 : m_plot->yAxis;
    if (spec.rightAxis) m_plot->yAxis2->setVisible(true);
    QCPGraph* g = m_plot->addGraph(m_plot->xAxis, valueAxis);
    g->setName(spec.label);
    QPen pen(spec.color, 1, spec.style);
    g->setPen(pen);
    if (spec.scatter) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, spec.color, spec.color, 5));
    g->setAdaptiveSampling(true);
    m_graphs.push_back({spec, g, 0, 0, nullptr, Smoother{m_smoothing}});
    restyle(m_graphs.back());
    scheduleUpdate();
}

void PlotPanel::onSeriesAdded(const QString& name) {
    if (!m_autoGraph) return;
    for (const auto& b : m_graphs) {
        if (b.spec.series == name) return;
    }
    if (auto spec = m_autoGraph(name)) bindGraph(*spec);
}

void PlotPanel::onCleared() {
    for (auto& b : m_graphs) {
        b.graph->data()->clear();
        b.shown = 0;
        b.generation = 0;
        if (b.smooth) b.smooth->data()->clear();
        b.smoother.reset();
    }
    m_follow = true;
    scheduleUpdate();
}

void PlotPanel::setRightAxisLabel(const QString& label) {
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setTickLabels(true);
    m_plot->yAxis2->setLabel(label);
}

void PlotPanel::setLogY(bool on, bool offer) {
    m_logBox->setVisible(offer);
    if (m_logBox->isChecked() != on) {
        const QSignalBlocker block(m_logBox);
        m_logBox->setChecked(on);
    }
    m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on) {
        QSharedPointer<QCPAxisTickerLog> t(new QCPAxisTickerLog);
        m_plot->yAxis->setTicker(t);
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
    } else {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
        m_plot->yAxis->setNumberPrecision(6);
    }
    m_follow = true;
    scheduleUpdate();
}

void PlotPanel::scheduleUpdate() {
    if (!m_coalesce.isActive()) m_coalesce.start();
}

void PlotPanel::flush() {
    m_coalesce.stop();
    bool any = false;
    for (auto& b : m_graphs) {
        const Series* s = m_store ? m_store->series(b.spec.series) : nullptr;
        if (!s) continue;
        if (s->generation != b.generation) {  // the series was rewound: redraw it whole
            b.graph->data()->clear();
            if (b.smooth) b.smooth->data()->clear();
            b.smoother.reset();
            b.shown = 0;
            b.generation = s->generation;
        }
        const int n = static_cast<int>(s->keys.size());
        if (n > b.shown) {
            const QVector<double> keys = s->keys.mid(b.shown), values = s->values.mid(b.shown);
            b.graph->addData(keys, values, true);
            if (b.smooth) {
                QVector<double> smoothed(values.size());
                for (int i = 0; i < values.size(); ++i) smoothed[i] = b.smoother.next(values[i]);
                b.smooth->addData(keys, smoothed, true);
            }
            b.shown = n;
            any = true;
        }
    }
    updateEmptyState();
    if (m_follow) {
        m_plot->rescaleAxes(true);
        for (QCPAxis* axis : {m_plot->yAxis, m_plot->yAxis2}) {
            // A constant series (rfdetr's default lr is constant) gives no range: QCustomPlot would keep the
            // axis' old span (-2.5..2.5 around 1e-4, a flat line at "0"). Centre it with 10 % either side.
            bool found = false;
            QCPRange values;
            for (QCPGraph* g : axis->graphs()) {
                if (!g->visible() || g->dataCount() == 0) continue;
                bool ok = false;
                const QCPRange r = g->getValueRange(ok);
                if (!ok) continue;
                values = found ? QCPRange(std::min(values.lower, r.lower), std::max(values.upper, r.upper)) : r;
                found = true;
            }
            if (found && values.size() <= 1e-9 * std::max(1.0, std::abs(values.center()))) {
                const double v = values.center(), half = v != 0 ? 0.1 * std::abs(v) : 1.0;
                axis->setRange(v - half, v + half);
                continue;
            }
            // Keep a little head room so the newest point is not glued to the frame.
            if (axis->scaleType() == QCPAxis::stLinear) axis->scaleRange(1.08, axis->range().center());
        }
    }
    Q_UNUSED(any);
    ++m_replots;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::fit() {
    m_follow = true;
    flush();
}

void PlotPanel::updateEmptyState() {
    bool hasData = false;
    for (const auto& b : m_graphs) hasData = hasData || b.shown > 0;
    m_empty->setVisible(!hasData);
    m_empty->setGeometry(m_plot->rect());
    m_plot->legend->setVisible(hasData);
}

int PlotPanel::pointCount(const QString& series) const {
    for (const auto& b : m_graphs) {
        if (b.spec.series == series) return b.graph->dataCount();
    }
    return -1;
}

QString PlotPanel::keyText(double key) const {
    switch (m_xKind) {
        case XKind::Step: return tr("step %1").arg(qRound64(key));
        case XKind::Epoch: return tr("epoch %1").arg(qRound64(key));
        case XKind::Seconds: {
            const qint64 s = qRound64(key);
            return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
        }
    }
    return {};
}

QString PlotPanel::hoverText(double key) const {
    QStringList lines;
    double shownKey = std::nan("");
    for (const auto& b : m_graphs) {
        if (!b.graph->visible() || b.graph->dataCount() == 0) continue;
        const auto data = b.graph->data();
        auto it = data->findBegin(key, true);
        if (it == data->constEnd()) continue;
        auto next = it + 1;
        if (next != data->constEnd() && std::fabs(next->key - key) < std::fabs(it->key - key)) it = next;
        if (std::isnan(shownKey)) shownKey = it->key;
        lines << QStringLiteral("%1: %2").arg(b.spec.label, formatValue(it->value));
    }
    if (lines.isEmpty()) return {};
    return keyText(shownKey) + QLatin1Char('\n') + lines.join(QLatin1Char('\n'));
}

bool PlotPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot) {
        if (event->type() == QEvent::MouseMove) {
            const auto* me = static_cast<QMouseEvent*>(event);
            if (m_plot->axisRect()->rect().contains(me->position().toPoint())) {
                const QString text = hoverText(m_plot->xAxis->pixelToCoord(me->position().x()));
                if (!text.isEmpty()) QToolTip::showText(me->globalPosition().toPoint(), text, m_plot);
            } else {
                QToolTip::hideText();
            }
        } else if (event->type() == QEvent::Resize) {
            m_empty->setGeometry(m_plot->rect());
        }
    }
    return QWidget::eventFilter(watched, event);
}

bool PlotPanel::exportPng(const QString& path, int width, int height) {
    // The exported image carries its title (on screen it sits in the panel's tool row).
    auto* title = new QCPTextElement(m_plot, m_title, QFont(font().family(), font().pointSize() + 2, QFont::Bold));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, title);
    const bool ok = m_plot->savePng(path, width, height, 1.0, -1);
    m_plot->plotLayout()->remove(title);
    m_plot->plotLayout()->simplify();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    return ok;
}

void PlotPanel::exportWithDialog() {
    QString name = m_title.toLower();
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), name + QStringLiteral(".png"),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (!exportPng(path, 1600, 1000))
        QToolTip::showText(mapToGlobal(rect().center()), tr("Could not write %1").arg(path), this);
}

}  // namespace studio::ui
