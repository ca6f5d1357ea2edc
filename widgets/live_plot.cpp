#include "widgets/live_plot.h"

#include "widgets/envelope_downsampler.h"
#include "widgets/plot_export.h"
#include "widgets/plot_style.h"
#include "widgets/series_smoothing.h"

#include "widgets/custom_plot.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace flower::widgets {

struct LivePlot::Series {
    QString name;
    SeriesStyle style;
    int colorIndex = 0;
    std::vector<store::ScalarPoint> points;
    std::vector<double> smoothed;
    SeriesSmoothing ema;
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    bool downsampled = false;  // the graphs hold an envelope, not every point
};

namespace {

QVector<double> toQVector(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

QString formatValue(double v) {
    if (!std::isfinite(v)) {
        return QString::number(v);
    }
    return QString::number(v, 'g', 5);
}

QString formatDuration(double seconds) {
    const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    return QString("%1:%2:%3")
        .arg(total / 3600)
        .arg((total / 60) % 60, 2, 10, QChar('0'))
        .arg(total % 60, 2, 10, QChar('0'));
}

// Log-axis ticks: powers of ten over wide ranges; over less than two decades (divergences late in
// a run, losses) also 2× and 5×, so the axis has numbers to read.
class ReadableLogTicker : public QCPAxisTickerLog {
protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
        if (range.lower <= 0 || range.upper / range.lower >= 100) {
            return QCPAxisTickerLog::createTickVector(tickStep, range);
        }
        QVector<double> ticks;
        for (double decade = std::pow(10.0, std::floor(std::log10(range.lower)));
             decade <= range.upper; decade *= 10) {
            for (double m : {1.0, 2.0, 5.0}) {
                ticks.push_back(m * decade);
            }
        }
        ticks.push_back(ticks.back() * 2);  // one past the range: the axis clips
        ticks.prepend(ticks.front() / 2);
        return ticks;
    }
};

}  // namespace

LivePlot::LivePlot(const QString& title, const QString& yLabel, QWidget* parent)
    : QWidget(parent), title_(title), yLabel_(yLabel) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("plot");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
    setMinimumSize(260, 180);

    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    // Lines as separate segments: a noisy series (tokens/s) zigzags across the whole plot, and
    // QPainter fills a self-intersecting polyline as one path — 20× slower to draw.
    plot_->setPlottingHint(QCP::phFastPolylines, true);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);

    // Rows: title, legend (one line, wrapping), the axes.
    QFont titleFont = font();
    titleFont.setBold(true);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title, titleFont));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    plot_->plotLayout()->insertRow(1);
    plot_->plotLayout()->addElement(1, 0, plot_->legend);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setWrap(4);
    plot_->legend->setMargins(QMargins(6, 0, 6, 0));
    plot_->legend->setRowSpacing(0);
    plot_->legend->setColumnSpacing(12);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1.0));
    plot_->legend->setFont(small);
    plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    plot_->plotLayout()->setRowStretchFactor(1, 0.001);
    plot_->yAxis->setLabel(yLabel_);
    plot_->xAxis->setNumberFormat("g");
    plot_->xAxis->setNumberPrecision(7);

    emptyText_ = new QCPItemText(plot_);
    emptyText_->position->setType(QCPItemPosition::ptAxisRectRatio);
    emptyText_->position->setCoords(0.5, 0.5);
    emptyText_->setPositionAlignment(Qt::AlignCenter);
    emptyText_->setText(tr("No points yet"));

    crosshair_ = new QCPItemStraightLine(plot_);
    crosshair_->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    crosshair_->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    crosshair_->setLayer("overlay");
    crosshair_->setSelectable(false);
    readoutText_ = new QCPItemText(plot_);
    readoutText_->position->setType(QCPItemPosition::ptAbsolute);
    readoutText_->setLayer("overlay");
    readoutText_->setTextAlignment(Qt::AlignLeft);
    readoutText_->setPadding(QMargins(6, 4, 6, 4));
    readoutText_->setFont(small);
    readoutText_->setSelectable(false);
    hideCrosshair();

    placeLegend();
    updateAxisTitles();
    PlotStyle::apply(plot_, palette());
    changeEvent(nullptr);  // item colours

    connect(plot_, &QCustomPlot::afterReplot, this, [this] { painted_ = true; });
    // The axis rect's width is only known after a layout: an envelope built for another width
    // (e.g. before the first layout) is rebuilt for the real one.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        const int columns = pixelColumns();
        if (columns == columnsUsed_) return;
        bool changed = false;
        for (auto& s : series_) {
            if (s->downsampled || EnvelopeDownsampler::reduces(s->points.size(), columns)) {
                rebuildDisplay(*s);
                changed = true;
            }
        }
        columnsUsed_ = columns;
        if (changed) plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(plot_, &QCustomPlot::mouseMove, this, &LivePlot::onMouseMove);
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
    plot_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(plot_, &QWidget::customContextMenuRequested, this, &LivePlot::onContextMenu);
    plot_->installEventFilter(this);
}

LivePlot::~LivePlot() = default;

int LivePlot::addSeries(const QString& name, SeriesStyle style) {
    auto s = std::make_unique<Series>();
    s->name = name;
    s->style = style;
    s->colorIndex = style.colorIndex >= 0 ? style.colorIndex : static_cast<int>(series_.size());
    s->ema = SeriesSmoothing(s->style.smoothed ? smoothing_ : 0.0);
    s->raw = plot_->addGraph();
    s->smooth = plot_->addGraph();
    s->raw->setName(name);
    s->smooth->setName(name);
    series_.push_back(std::move(s));
    styleGraphs(*series_.back());
    rebuildLegend();
    return static_cast<int>(series_.size()) - 1;
}

int LivePlot::seriesIndex(const QString& name) const {
    for (std::size_t i = 0; i < series_.size(); ++i) {
        if (series_[i]->name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int LivePlot::seriesCount() const { return static_cast<int>(series_.size()); }
QString LivePlot::seriesName(int series) const { return series_.at(static_cast<std::size_t>(series))->name; }

const std::vector<store::ScalarPoint>& LivePlot::points(int series) const {
    return series_.at(static_cast<std::size_t>(series))->points;
}
const std::vector<double>& LivePlot::smoothed(int series) const {
    return series_.at(static_cast<std::size_t>(series))->smoothed;
}
QCPGraph* LivePlot::rawGraph(int series) const { return series_.at(static_cast<std::size_t>(series))->raw; }
QCPGraph* LivePlot::smoothGraph(int series) const {
    return series_.at(static_cast<std::size_t>(series))->smooth;
}
QCustomPlot* LivePlot::plot() const { return plot_; }
double LivePlot::smoothing() const { return smoothing_; }
bool LivePlot::logY() const { return logY_; }
LivePlot::XAxis LivePlot::xAxis() const { return xAxis_; }
bool LivePlot::followsData() const { return follow_; }

double LivePlot::keyOf(const store::ScalarPoint& p) const {
    switch (xAxis_) {
        case XAxis::Epoch: return p.epoch;
        case XAxis::WallTime: return p.wallTime - timeOrigin_;
        case XAxis::Step: break;
    }
    return static_cast<double>(p.step);
}

int LivePlot::pixelColumns() const {
    const int w = plot_->axisRect()->width();
    return std::max(100, w > 0 ? w : width());
}

void LivePlot::append(int series, std::span<const store::ScalarPoint> points) {
    Series& s = *series_.at(static_cast<std::size_t>(series));
    std::int64_t last = s.points.empty() ? LLONG_MIN : s.points.back().step;
    const std::size_t before = s.points.size();
    for (const auto& p : points) {
        if (p.step <= last) {
            continue;
        }
        last = p.step;
        if (!timeOriginSet_ && before == 0 && s.points.empty() && p.wallTime > 0) {
            // Until the caller names the run's start, the first point seen defines t = 0.
            timeOrigin_ = p.wallTime;
            timeOriginSet_ = true;
        }
        s.points.push_back(p);
        s.smoothed.push_back(s.ema.add(p.value));
    }
    if (s.points.size() == before) {
        return;
    }
    emptyText_->setVisible(false);
    if (s.downsampled || EnvelopeDownsampler::reduces(s.points.size(), pixelColumns())) {
        rebuildDisplay(s);
    } else {
        // Only the new points: QCustomPlot appends sorted data without re-sorting.
        const std::size_t n = s.points.size() - before;
        QVector<double> keys;
        QVector<double> raw;
        QVector<double> smooth;
        keys.reserve(static_cast<qsizetype>(n));
        raw.reserve(static_cast<qsizetype>(n));
        smooth.reserve(static_cast<qsizetype>(n));
        for (std::size_t i = before; i < s.points.size(); ++i) {
            keys.push_back(keyOf(s.points[i]));
            raw.push_back(s.points[i].value);
            smooth.push_back(s.smoothed[i]);
        }
        s.raw->addData(keys, raw, true);
        if (smoothes(s)) {
            s.smooth->addData(keys, smooth, true);
        }
    }
    followIfAllowed();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT pointsAppended(series, static_cast<qint64>(last));
}

void LivePlot::rebuildDisplay(Series& s) {
    std::vector<double> keys;
    std::vector<double> values;
    keys.reserve(s.points.size());
    values.reserve(s.points.size());
    for (const auto& p : s.points) {
        keys.push_back(keyOf(p));
        values.push_back(p.value);
    }
    const int columns = pixelColumns();
    columnsUsed_ = columns;
    s.downsampled = EnvelopeDownsampler::reduces(keys.size(), columns);
    const EnvelopeSeries raw = EnvelopeDownsampler::downsample(keys, values, columns);
    s.raw->setData(toQVector(raw.keys), toQVector(raw.values), true);
    if (smoothes(s)) {
        // The envelope of the smoothed full series (never the smoothing of an envelope).
        const EnvelopeSeries smooth = EnvelopeDownsampler::downsample(keys, s.smoothed, columns);
        s.smooth->setData(toQVector(smooth.keys), toQVector(smooth.values), true);
    } else {
        s.smooth->data()->clear();
    }
}

void LivePlot::rebuildAll() {
    hideCrosshair();  // its text described the old view; the next mouse move redraws it
    for (auto& s : series_) {
        rebuildDisplay(*s);
    }
    followIfAllowed();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LivePlot::clear() {
    for (auto& s : series_) {
        plot_->removeGraph(s->raw);
        plot_->removeGraph(s->smooth);
    }
    series_.clear();
    placeLegend();
    timeOriginSet_ = false;
    timeOrigin_ = 0;
    follow_ = true;
    emptyText_->setVisible(true);
    hideCrosshair();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LivePlot::setEmptyText(const QString& text) {
    emptyText_->setText(text);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LivePlot::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.999);
    if (weight == smoothing_) {
        return;
    }
    smoothing_ = weight;
    for (auto& s : series_) {
        std::vector<double> values;
        values.reserve(s->points.size());
        for (const auto& p : s->points) {
            values.push_back(p.value);
        }
        const double w = s->style.smoothed ? weight : 0.0;
        s->smoothed = SeriesSmoothing::smooth(values, w);
        // Continue the recurrence where the full-series pass ended.
        s->ema = SeriesSmoothing(w);
        for (double v : values) {
            s->ema.add(v);
        }
        styleGraphs(*s);
    }
    rebuildLegend();
    rebuildAll();
}

void LivePlot::setLogY(bool on) {
    if (on == logY_) {
        return;
    }
    logY_ = on;
    if (on) {
        plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot_->yAxis->setTicker(QSharedPointer<ReadableLogTicker>(new ReadableLogTicker));
        plot_->yAxis->setNumberFormat("gb");
        plot_->yAxis->setNumberPrecision(3);
    } else {
        plot_->yAxis->setScaleType(QCPAxis::stLinear);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        plot_->yAxis->setNumberFormat("gb");
        plot_->yAxis->setNumberPrecision(6);
    }
    follow_ = true;
    followIfAllowed();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LivePlot::setXAxis(XAxis axis) {
    if (axis == xAxis_) {
        return;
    }
    xAxis_ = axis;
    updateAxisTitles();
    follow_ = true;
    rebuildAll();
}

void LivePlot::setTimeOrigin(double unixSeconds) {
    const bool changed = !timeOriginSet_ || unixSeconds != timeOrigin_;
    timeOrigin_ = unixSeconds;
    timeOriginSet_ = true;
    if (changed && xAxis_ == XAxis::WallTime) {
        rebuildAll();
    }
}

void LivePlot::updateAxisTitles() {
    switch (xAxis_) {
        case XAxis::Step:
            plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
            plot_->xAxis->setLabel(tr("step (optimiser updates)"));
            break;
        case XAxis::Epoch:
            plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
            plot_->xAxis->setLabel(tr("epoch"));
            break;
        case XAxis::WallTime: {
            QSharedPointer<QCPAxisTickerTime> ticker(new QCPAxisTickerTime);
            ticker->setTimeFormat("%h:%m:%s");
            plot_->xAxis->setTicker(ticker);
            plot_->xAxis->setLabel(tr("time since start (h:mm:ss)"));
            break;
        }
    }
}

void LivePlot::followIfAllowed() {
    if (!follow_) {
        return;
    }
    bool any = false;
    QCPRange keys;
    QCPRange values;
    const QCP::SignDomain domain = logY_ ? QCP::sdPositive : QCP::sdBoth;
    for (const auto& s : series_) {
        for (QCPGraph* g : {s->raw, s->smooth}) {
            if (!g->visible() || g->dataCount() == 0) {
                continue;
            }
            bool foundKeys = false;
            bool foundValues = false;
            const QCPRange k = g->getKeyRange(foundKeys);
            const QCPRange v = g->getValueRange(foundValues, domain);
            if (!foundKeys || !foundValues) {
                continue;
            }
            keys = any ? QCPRange(std::min(keys.lower, k.lower), std::max(keys.upper, k.upper)) : k;
            values = any ? QCPRange(std::min(values.lower, v.lower), std::max(values.upper, v.upper)) : v;
            any = true;
        }
    }
    if (!any) {
        return;
    }
    if (keys.size() <= 0) {
        keys = QCPRange(keys.lower - 1, keys.upper + 1);
    } else if (std::any_of(series_.begin(), series_.end(), [](const auto& s) { return s->style.markers; })) {
        // Room for the dots at both ends.
        const double pad = keys.size() * 0.025;
        keys = QCPRange(keys.lower - pad, keys.upper + pad);
    }
    plot_->xAxis->setRange(keys);
    if (logY_) {
        const double lo = values.lower;
        const double hi = values.upper > lo ? values.upper : lo * 10;
        plot_->yAxis->setRange(lo / std::pow(hi / lo, 0.05), hi * std::pow(hi / lo, 0.05));
    } else {
        // A constant series gets a range around its value (±1 around 0), not a sliver of 1e-9.
        const double pad = values.size() > 0     ? values.size() * 0.06
                           : values.lower != 0.0 ? std::abs(values.lower) * 0.1
                                                 : 1.0;
        plot_->yAxis->setRange(values.lower - pad, values.upper + pad);
    }
}

void LivePlot::resetView() {
    follow_ = true;
    followIfAllowed();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LivePlot::styleGraphs(Series& s) {
    const QColor colour = PlotStyle::seriesColor(s.colorIndex, palette());
    QPen pen(colour, 1.6, s.style.pen);
    pen.setCosmetic(true);
    const QCPScatterStyle dots = s.style.markers ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5)
                                                 : QCPScatterStyle(QCPScatterStyle::ssNone);
    if (smoothes(s)) {
        // Faint as an opaque mix with the background: translucent pens are drawn far slower.
        const QColor back = palette().color(QPalette::Base);
        const auto mix = [](int a, int b) { return (28 * a + 72 * b) / 100; };
        const QColor faint(mix(colour.red(), back.red()), mix(colour.green(), back.green()),
                           mix(colour.blue(), back.blue()));
        QPen rawPen(faint, 1.0, s.style.pen);
        rawPen.setCosmetic(true);
        s.raw->setPen(rawPen);
        s.raw->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
        s.smooth->setPen(pen);
        s.smooth->setScatterStyle(dots);
        s.smooth->setVisible(true);
    } else {
        s.raw->setPen(pen);
        s.raw->setScatterStyle(dots);
        s.smooth->setVisible(false);
    }
}

bool LivePlot::smoothes(const Series& s) const { return smoothing_ > 0 && s.style.smoothed; }

std::vector<std::size_t> LivePlot::legendOrder() const {
    std::vector<std::size_t> order(series_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
        return series_[a]->style.order < series_[b]->style.order;
    });
    return order;
}

void LivePlot::rebuildLegend() {
    plot_->legend->clearItems();
    for (std::size_t i : legendOrder()) {
        // The curve drawn in full colour stands for the series.
        (smoothes(*series_[i]) ? series_[i]->smooth : series_[i]->raw)->addToLegend();
    }
    placeLegend();
}

void LivePlot::placeLegend() {
    // An empty legend grid's maximum width is its margins, and a layout column is no wider than
    // its narrowest maximum: left in the layout, it squeezed title and axes into a 50-pixel
    // sliver. Without items it leaves the layout (its row stays, empty).
    QCPLayoutGrid* layout = plot_->plotLayout();
    const bool items = plot_->legend->itemCount() > 0;
    const bool placed = layout->hasElement(1, 0) && layout->element(1, 0) == plot_->legend;
    if (items && !placed) {
        layout->addElement(1, 0, plot_->legend);
    } else if (!items && placed) {
        layout->take(plot_->legend);
    }
    plot_->legend->setVisible(items);
}

QString LivePlot::readout(double key) const {
    QStringList lines;
    std::int64_t headerStep = -1;
    for (const std::size_t index : legendOrder()) {
        const auto& s = series_[index];
        if (s->points.empty()) {
            continue;
        }
        // The point nearest to `key` (keys are sorted in every axis mode).
        auto it = std::lower_bound(s->points.begin(), s->points.end(), key,
                                   [this](const store::ScalarPoint& p, double k) { return keyOf(p) < k; });
        if (it == s->points.end()) {
            --it;
        } else if (it != s->points.begin() && key - keyOf(*(it - 1)) < keyOf(*it) - key) {
            --it;
        }
        if (lines.isEmpty()) {
            QString h = tr("step %1").arg(it->step);
            if (it->epoch > 0) {
                h += tr(" · epoch %1").arg(it->epoch, 0, 'f', 2);
            }
            if (it->wallTime > 0 && timeOriginSet_) {
                h += QStringLiteral(" · ") + formatDuration(it->wallTime - timeOrigin_);
            }
            lines << h;
            headerStep = it->step;
        }
        const auto i = static_cast<std::size_t>(it - s->points.begin());
        QString line = s->name + ": " + formatValue(it->value);
        if (smoothes(*s)) {
            line += tr("  (smoothed %1)").arg(formatValue(s->smoothed[i]));
        }
        if (it->step != headerStep) {
            // Sparse series (evaluations) may have no point at the header's step.
            line += tr("  at step %1").arg(it->step);
        }
        lines << line;
    }
    return lines.join('\n');
}

void LivePlot::onMouseMove(QMouseEvent* event) {
    if (event->buttons() != Qt::NoButton) {
        follow_ = false;  // a drag pans the view: stop following new points
        hideCrosshair();
        return;
    }
    QCPAxisRect* rect = plot_->axisRect();
    if (!rect->rect().contains(event->pos()) || series_.empty()) {
        hideCrosshair();
        return;
    }
    const double key = plot_->xAxis->pixelToCoord(event->pos().x());
    const QString text = readout(key);
    if (text.isEmpty()) {
        hideCrosshair();
        return;
    }
    crosshair_->point1->setCoords(key, 0);
    crosshair_->point2->setCoords(key, 1);
    crosshair_->setVisible(true);
    readoutText_->setText(text);
    // Beside the cursor, on the side with more room.
    const bool left = event->pos().x() > rect->center().x();
    readoutText_->setPositionAlignment((left ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
    readoutText_->position->setCoords(event->pos().x() + (left ? -12 : 12), rect->top() + 8);
    readoutText_->setVisible(true);
    plot_->layer("overlay")->replot();
}

void LivePlot::hideCrosshair() {
    if (crosshair_->visible() || readoutText_->visible()) {
        crosshair_->setVisible(false);
        readoutText_->setVisible(false);
        // Only the overlay layer is redrawn; before the first full replot it has no buffer.
        if (painted_) {
            plot_->layer("overlay")->replot();
        }
    }
}

bool LivePlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched == plot_ && event->type() == QEvent::Leave) {
        hideCrosshair();
    }
    return QWidget::eventFilter(watched, event);
}

void LivePlot::onContextMenu(const QPoint& pos) {
    QMenu menu(this);
    QAction* log = menu.addAction(tr("Logarithmic y axis"));
    log->setCheckable(true);
    log->setChecked(logY_);
    connect(log, &QAction::toggled, this, &LivePlot::setLogY);
    menu.addAction(tr("Reset view"), this, &LivePlot::resetView);
    menu.addSeparator();
    menu.addAction(tr("Export plot…"), this, [this] {
        const QString file = QFileDialog::getSaveFileName(
            this, tr("Export plot"), QString(), tr("PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)"));
        QString error;
        if (!file.isEmpty() && !exportTo(file, &error)) {
            QMessageBox::warning(this, tr("Export plot"), error);
        }
    });
    menu.exec(plot_->mapToGlobal(pos));
}

bool LivePlot::exportTo(const QString& file, QString* error) {
    hideCrosshair();
    const QString message = PlotExport::exportWidget(plot_, title_, file);
    if (!message.isEmpty() && error) *error = message;
    return message.isEmpty();
}

void LivePlot::changeEvent(QEvent* event) {
    if (event && event->type() != QEvent::PaletteChange) {
        QWidget::changeEvent(event);
        return;
    }
    const QPalette pal = palette();
    PlotStyle::apply(plot_, pal);
    QColor muted = pal.color(QPalette::WindowText);
    muted.setAlphaF(0.6F);
    emptyText_->setColor(muted);
    QColor line = pal.color(QPalette::WindowText);
    line.setAlphaF(0.45F);
    crosshair_->setPen(QPen(line, 1, Qt::DashLine));
    QColor back = pal.color(QPalette::ToolTipBase);
    back.setAlphaF(0.92F);
    readoutText_->setBrush(back);
    readoutText_->setColor(pal.color(QPalette::ToolTipText));
    readoutText_->setPen(QPen(line));
    for (auto& s : series_) {
        styleGraphs(*s);
    }
    if (event) {
        QWidget::changeEvent(event);
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace flower::widgets
