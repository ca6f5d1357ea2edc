#include "widgets/comparison_plot.h"

#include "widgets/envelope_downsampler.h"
#include "widgets/plot_style.h"
#include "widgets/run_palette.h"

#include "widgets/custom_plot.h"

#include <QMouseEvent>
#include <QVBoxLayout>

#include <algorithm>

namespace flower::widgets {

namespace {

QVector<double> toQVector(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

void setEnvelope(QCPGraph* g, const std::vector<double>& x, const std::vector<double>& y, int columns) {
    const EnvelopeSeries e = EnvelopeDownsampler::downsample(x, y, columns);
    g->setData(toQVector(e.keys), toQVector(e.values), true);
}

}  // namespace

ComparisonPlot::ComparisonPlot(const QString& title, const QString& yLabel, QWidget* parent)
    : QWidget(parent), title_(title) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("plot"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
    setMinimumSize(300, 230);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->setPlottingHint(QCP::phFastPolylines, true);
    QFont titleFont = font();
    titleFont.setBold(true);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title, titleFont));
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    plot_->plotLayout()->insertRow(1);
    plot_->plotLayout()->addElement(1, 0, plot_->legend);
    plot_->legend->setVisible(true);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setWrap(3);
    plot_->legend->setMargins(QMargins(6, 0, 6, 0));
    plot_->legend->setRowSpacing(0);
    plot_->legend->setColumnSpacing(12);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1.0));
    plot_->legend->setFont(small);
    plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    plot_->plotLayout()->setRowStretchFactor(1, 0.001);
    plot_->yAxis->setLabel(yLabel);
    plot_->yAxis->setNumberFormat("gb");
    plot_->xAxis->setNumberFormat("g");
    plot_->xAxis->setNumberPrecision(7);
    plot_->addLayer(QStringLiteral("highlight"), plot_->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    PlotStyle::apply(plot_, palette());
    connect(plot_, &QCustomPlot::mouseMove, this, &ComparisonPlot::onMouseMove);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
    // The envelopes depend on the axis width, known only after a layout.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        if (pixelColumns() != columnsUsed_ && !curves_.empty()) {
            rebuild();
            style();  // density may have changed with the width; style() replots
        }
    });
}

ComparisonPlot::~ComparisonPlot() = default;

int ComparisonPlot::pixelColumns() const {
    const int w = plot_->axisRect()->width();
    return std::max(100, w > 0 ? w : width());
}

QCPGraph* ComparisonPlot::lineGraph(int curve) const {
    return drawn_.at(static_cast<std::size_t>(curve)).line;
}

void ComparisonPlot::setCurves(std::vector<ComparedCurve> curves, compare::XAlign align,
                               BandMode band, RunPalette& palette) {
    curves_ = std::move(curves);
    band_ = band;
    align_ = align;
    drawn_.clear();
    plot_->clearGraphs();
    plot_->legend->clearItems();
    for (const auto& c : curves_) {
        Drawn d;
        const int index = palette.indexOf(c.key);
        d.colorIndex = index;
        d.pen = index < 8 ? Qt::SolidLine : index < 16 ? Qt::DashLine : Qt::DotLine;
        if (c.aggregated && band_ != BandMode::None) {
            d.lower = plot_->addGraph();
            d.upper = plot_->addGraph();
            d.upper->setChannelFillGraph(d.lower);
            d.lower->removeFromLegend();
            d.upper->removeFromLegend();
        }
        d.line = plot_->addGraph();
        d.line->setName(c.label);
        drawn_.push_back(d);
    }
    switch (align_) {
        case compare::XAlign::Step: plot_->xAxis->setLabel(tr("step (optimiser updates)")); break;
        case compare::XAlign::Epoch: plot_->xAxis->setLabel(tr("epoch")); break;
        case compare::XAlign::WallTime: plot_->xAxis->setLabel(tr("time since the run's start (s)")); break;
    }
    rebuild();
    style();
    resetView();
}

void ComparisonPlot::rebuild() {
    const int columns = pixelColumns();
    columnsUsed_ = columns;
    for (std::size_t i = 0; i < curves_.size(); ++i) {
        const auto& a = curves_[i].data;
        setEnvelope(drawn_[i].line, a.x, a.mean, columns);
        drawn_[i].dense = drawn_[i].line->dataCount() > 2 * columns;
        if (drawn_[i].lower) {
            std::vector<double> lo(a.size()), hi(a.size());
            for (std::size_t k = 0; k < a.size(); ++k) {
                if (band_ == BandMode::MinMax) {
                    lo[k] = a.min[k];
                    hi[k] = a.max[k];
                } else {
                    lo[k] = a.mean[k] - a.stddev[k];
                    hi[k] = a.mean[k] + a.stddev[k];
                }
            }
            setEnvelope(drawn_[i].lower, a.x, lo, columns);
            setEnvelope(drawn_[i].upper, a.x, hi, columns);
        }
    }
}

void ComparisonPlot::style() {
    const bool anyHighlight = !highlighted_.isEmpty();
    const QColor back = palette().color(QPalette::Base);
    const auto mix = [&](const QColor& c, int percent) {
        return QColor((percent * c.red() + (100 - percent) * back.red()) / 100,
                      (percent * c.green() + (100 - percent) * back.green()) / 100,
                      (percent * c.blue() + (100 - percent) * back.blue()) / 100);
    };
    for (std::size_t i = 0; i < drawn_.size(); ++i) {
        Drawn& d = drawn_[i];
        d.color = PlotStyle::seriesColor(d.colorIndex, palette());
        const bool strong = highlighted_.contains(curves_[i].key) || curves_[i].key == hovered_;
        const bool faded = anyHighlight && !strong;
        // A dense (zigzagging envelope) curve is drawn 1 px wide: at 1.6 px QPainter strokes
        // 20 raw 100k-point runs in ~3.8 s instead of ~0.14 s (bench_compare). Its emphasis is
        // then the colour and the layer above the faded curves.
        const double width = d.dense ? 1.0 : strong ? 3.0 : 1.6;
        QPen pen(faded ? mix(d.color, 35) : d.color, width, d.pen);
        pen.setCosmetic(true);
        d.line->setPen(pen);
        d.line->setLayer(strong ? QStringLiteral("highlight") : QStringLiteral("main"));
        if (d.lower) {
            QColor fill = d.color;
            fill.setAlphaF(faded ? 0.06F : 0.18F);
            d.lower->setPen(Qt::NoPen);
            d.upper->setPen(Qt::NoPen);
            d.upper->setBrush(fill);
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ComparisonPlot::setHighlighted(const QSet<QString>& keys) {
    if (keys == highlighted_) return;
    highlighted_ = keys;
    style();
}

void ComparisonPlot::resetView() {
    plot_->rescaleAxes(true);
    const QCPRange y = plot_->yAxis->range();
    const double pad = y.size() > 0 ? y.size() * 0.06 : std::max(1e-9, std::abs(y.lower) * 0.1);
    plot_->yAxis->setRange(y.lower - pad, y.upper + pad);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ComparisonPlot::onMouseMove(QMouseEvent* event) {
    if (event->buttons() != Qt::NoButton) return;
    QString nearest;
    double best = 8.0;  // pixels
    for (std::size_t i = 0; i < drawn_.size(); ++i) {
        const double d = drawn_[i].line->selectTest(event->position(), false);
        if (d >= 0 && d < best) {
            best = d;
            nearest = curves_[i].key;
        }
    }
    if (nearest != hovered_) {
        hovered_ = nearest;
        style();
        Q_EMIT curveHovered(nearest);
    }
}

void ComparisonPlot::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        PlotStyle::apply(plot_, palette());
        style();
    }
}

}  // namespace flower::widgets
