#include "widgets/plot_export.h"

#include "widgets/custom_plot.h"
#include "widgets/group_histogram_view.h"
#include "widgets/live_plot.h"
#include "widgets/plot_style.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QImage>
#include <QPdfWriter>
#include <QSet>
#include <QStyle>
#include <QSvgGenerator>

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace flower::widgets {

namespace {

constexpr double kScreenDpi = 96.0;  // the unit of every layout: one screen pixel
constexpr double kMmPerInch = 25.4;

QCustomPlot* customPlotOf(QWidget* widget) {
    if (auto* plot = qobject_cast<QCustomPlot*>(widget)) return plot;
    if (auto* live = qobject_cast<LivePlot*>(widget)) return live->plot();
    if (auto* groups = qobject_cast<GroupHistogramView*>(widget)) return groups->plot();
    return nullptr;
}

// A dark-themed widget gets the style's light palette while it is drawn (its changeEvent
// restyles the plot), and its own palette back afterwards.
class PrintColours {
public:
    PrintColours(QWidget* widget, bool on) : widget_(widget) {
        if (!on || !PlotStyle::isDark(widget->palette())) return;
        own_ = widget->testAttribute(Qt::WA_SetPalette);
        old_ = widget->palette();
        widget->setPalette(QApplication::style()->standardPalette());
        active_ = true;
    }
    ~PrintColours() {
        if (!active_) return;
        // A palette that was inherited is inherited again (it follows later theme changes).
        widget_->setPalette(own_ ? old_ : QPalette());
        if (!own_) widget_->setAttribute(Qt::WA_SetPalette, false);
    }
    PrintColours(const PrintColours&) = delete;
    PrintColours& operator=(const PrintColours&) = delete;

private:
    QWidget* widget_;
    QPalette old_;
    bool own_ = false;
    bool active_ = false;
};

// Cosmetic pens are as wide in device pixels whatever the painter's scale: a 1.6 px curve would
// be 0.5 px in a 300 dpi PNG. While one plot is drawn, its pens scale with the painter; the
// crosshair (the "overlay" layer) is hidden. Everything is restored afterwards.
class ExportState {
public:
    explicit ExportState(QCustomPlot* plot) {
        for (int i = 0; i < plot->plottableCount(); ++i) {
            QCPAbstractPlottable* p = plot->plottable(i);
            fix(p->pen(), [p](const QPen& pen) { p->setPen(pen); });
        }
        for (QCPAxisRect* rect : plot->axisRects()) {
            for (QCPAxis* a : rect->axes()) {
                fix(a->basePen(), [a](const QPen& pen) { a->setBasePen(pen); });
                fix(a->tickPen(), [a](const QPen& pen) { a->setTickPen(pen); });
                fix(a->subTickPen(), [a](const QPen& pen) { a->setSubTickPen(pen); });
                QCPGrid* g = a->grid();
                fix(g->pen(), [g](const QPen& pen) { g->setPen(pen); });
                fix(g->subGridPen(), [g](const QPen& pen) { g->setSubGridPen(pen); });
                fix(g->zeroLinePen(), [g](const QPen& pen) { g->setZeroLinePen(pen); });
            }
        }
        if (QCPLayer* overlay = plot->layer(QStringLiteral("overlay")); overlay && overlay->visible()) {
            overlay->setVisible(false);
            restore_.push_back([overlay] { overlay->setVisible(true); });
        }
    }
    ~ExportState() {
        for (auto it = restore_.rbegin(); it != restore_.rend(); ++it) (*it)();
    }
    ExportState(const ExportState&) = delete;
    ExportState& operator=(const ExportState&) = delete;

private:
    void fix(const QPen& pen, const std::function<void(const QPen&)>& set) {
        if (!pen.isCosmetic() || pen.style() == Qt::NoPen) return;
        QPen scaled = pen;
        scaled.setCosmetic(false);
        if (scaled.widthF() == 0) scaled.setWidthF(1.0);
        set(scaled);
        restore_.push_back([set, pen] { set(pen); });
    }
    std::vector<std::function<void()>> restore_;
};

// Draws `widget` into `painter` filling a layout of `size` screen pixels (the painter's
// coordinates are screen pixels).
void draw(QWidget* widget, QCPPainter* painter, QSize size, bool printColours) {
    const PrintColours colours(widget, printColours);
    if (QCustomPlot* plot = customPlotOf(widget)) {
        {
            ExportState state(plot);
            painter->save();
            plot->toPainter(painter, size.width(), size.height());
            painter->restore();
        }
        // toPainter leaves the layout of the export's size: mouse positions (crosshair, zoom)
        // would map through it until the next full replot.
        plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    painter->save();
    painter->setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    if (auto* view = qobject_cast<QGraphicsView*>(widget); view && view->scene()) {
        painter->fillRect(QRect(QPoint(0, 0), size), view->backgroundBrush().style() == Qt::NoBrush
                                                          ? QBrush(Qt::white)
                                                          : view->backgroundBrush());
        view->scene()->render(painter, QRectF(QPointF(0, 0), QSizeF(size)), view->scene()->sceneRect());
        painter->restore();
        return;
    }
    // A widget not on screen is laid out for the page; one on screen is drawn as it is seen,
    // scaled to fit.
    if (!widget->isVisible()) {
        widget->resize(size);
        widget->ensurePolished();
    }
    const QSize own = widget->size();
    const double scale = std::min(size.width() / double(std::max(1, own.width())),
                                  size.height() / double(std::max(1, own.height())));
    painter->scale(scale, scale);
    widget->render(painter, QPoint(0, 0), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    painter->restore();
}

QString titleOf(const ExportablePlots& plots, const PlotExportOptions& options) {
    if (!options.title.isEmpty()) return options.title;
    QStringList names;
    for (const auto& p : plots) names << p.name;
    return names.join(QStringLiteral(", "));
}

QString writePng(const ExportablePlot& plot, const QString& file, const PlotExportOptions& options) {
    const QSize layout = options.layoutPixels();
    const QSize pixels = options.imagePixels();
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    // Text is measured at screen resolution (points as on screen), then the painter scales.
    image.setDotsPerMeterX(qRound(kScreenDpi / kMmPerInch * 1000));
    image.setDotsPerMeterY(qRound(kScreenDpi / kMmPerInch * 1000));
    image.fill(Qt::white);
    QCPPainter painter;
    if (!painter.begin(&image)) return QObject::tr("%1: cannot draw a %2 × %3 image").arg(file).arg(pixels.width()).arg(pixels.height());
    painter.setMode(QCPPainter::pmNonCosmetic);
    painter.scale(pixels.width() / double(layout.width()), pixels.height() / double(layout.height()));
    draw(plot.widget, &painter, layout, options.printColours);
    painter.end();
    const int dpm = qRound(options.dpi / kMmPerInch * 1000);
    image.setDotsPerMeterX(dpm);
    image.setDotsPerMeterY(dpm);
    image.setText(QStringLiteral("Title"), plot.name);
    image.setText(QStringLiteral("Software"), QStringLiteral("Flower Workbench"));
    return image.save(file, "PNG") ? QString() : QObject::tr("%1: could not be written").arg(file);
}

QString writeSvg(const ExportablePlot& plot, const QString& file, const PlotExportOptions& options) {
    const QSize layout = options.layoutPixels();
    QSvgGenerator svg;
    svg.setFileName(file);
    svg.setResolution(static_cast<int>(kScreenDpi));  // width/height in mm follow from it
    svg.setSize(layout);
    svg.setViewBox(QRect(QPoint(0, 0), layout));
    svg.setTitle(options.title.isEmpty() ? plot.name : options.title);
    svg.setDescription(QStringLiteral("Flower Workbench"));
    QCPPainter painter;
    if (!painter.begin(&svg)) return QObject::tr("%1: could not be written").arg(file);
    painter.setMode(QCPPainter::pmVectorized);
    draw(plot.widget, &painter, layout, options.printColours);
    return painter.end() ? QString() : QObject::tr("%1: could not be written").arg(file);
}

QString writePdf(const ExportablePlots& plots, const QString& file, const PlotExportOptions& options) {
    const QSize layout = options.layoutPixels();
    QPdfWriter pdf(file);
    pdf.setResolution(static_cast<int>(kScreenDpi));
    const QSizeF mm = options.inches() * kMmPerInch;
    // A page layout swaps a landscape page's sides: the size goes in upright, the orientation
    // says which way it is drawn.
    const QPageSize page(QSizeF(std::min(mm.width(), mm.height()), std::max(mm.width(), mm.height())),
                         QPageSize::Millimeter, QString(), QPageSize::ExactMatch);
    pdf.setPageLayout(QPageLayout(page, mm.width() > mm.height() ? QPageLayout::Landscape : QPageLayout::Portrait,
                                  QMarginsF(0, 0, 0, 0), QPageLayout::Millimeter));
    pdf.setTitle(titleOf(plots, options));
    pdf.setCreator(QStringLiteral("Flower Workbench"));
    QCPPainter painter;
    if (!painter.begin(&pdf)) return QObject::tr("%1: could not be written").arg(file);
    painter.setMode(QCPPainter::pmVectorized);
    for (qsizetype i = 0; i < plots.size(); ++i) {
        if (i > 0 && !pdf.newPage()) return QObject::tr("%1: could not add page %2").arg(file).arg(i + 1);
        // The page's paint rectangle may differ from the layout by rounding: fit it.
        const QRect target = painter.viewport();
        painter.save();
        painter.scale(target.width() / double(layout.width()), target.height() / double(layout.height()));
        draw(plots[i].widget, &painter, layout, options.printColours);
        painter.restore();
    }
    return painter.end() ? QString() : QObject::tr("%1: could not be written").arg(file);
}

QString withSuffix(const QString& file, const QString& suffix) {
    const QFileInfo info(file);
    const QString own = info.suffix().toLower();
    QString base = file;
    if (own == "png" || own == "svg" || own == "pdf") base.chop(own.size() + 1);
    return base + "." + suffix;
}

}  // namespace

QSizeF PlotExportOptions::inches() const {
    if (unit == Unit::Pixels) return size / std::max(1, dpi);
    return size / kMmPerInch;
}

QSize PlotExportOptions::layoutPixels() const {
    const QSizeF px = inches() * kScreenDpi;
    return QSize(std::max(1, static_cast<int>(std::lround(px.width()))),
                 std::max(1, static_cast<int>(std::lround(px.height()))));
}

QSize PlotExportOptions::imagePixels() const {
    if (unit == Unit::Pixels) return QSize(std::max(1, qRound(size.width())), std::max(1, qRound(size.height())));
    const QSizeF px = inches() * std::max(1, dpi);
    return QSize(std::max(1, static_cast<int>(std::lround(px.width()))),
                 std::max(1, static_cast<int>(std::lround(px.height()))));
}

bool PlotExport::formatFromSuffix(const QString& suffix, PlotExportOptions::Format* format) {
    const QString s = suffix.toLower();
    if (s == "png") *format = PlotExportOptions::Format::Png;
    else if (s == "svg") *format = PlotExportOptions::Format::Svg;
    else if (s == "pdf") *format = PlotExportOptions::Format::Pdf;
    else return false;
    return true;
}

QString PlotExport::suffix(PlotExportOptions::Format format) {
    switch (format) {
        case PlotExportOptions::Format::Png: return QStringLiteral("png");
        case PlotExportOptions::Format::Svg: return QStringLiteral("svg");
        case PlotExportOptions::Format::Pdf: break;
    }
    return QStringLiteral("pdf");
}

QString PlotExport::slug(const QString& name) {
    QString out;
    bool dash = false;
    for (const QChar c : name.toLower()) {
        if (c.isLetterOrNumber() && c.unicode() < 128) {
            out += c;
            dash = false;
        } else if (!dash && !out.isEmpty()) {
            out += '-';
            dash = true;
        }
    }
    while (out.endsWith('-')) out.chop(1);
    return out.isEmpty() ? QStringLiteral("plot") : out;
}

QStringList PlotExport::targetFiles(const ExportablePlots& plots, const QString& file,
                                    const PlotExportOptions& options) {
    const QString target = withSuffix(file, suffix(options.format));
    const bool pages = options.format == PlotExportOptions::Format::Pdf && !options.onePerPlot;
    if (plots.size() <= 1 || pages) return {target};
    const QFileInfo info(target);
    const QString stem = info.dir().filePath(info.completeBaseName());
    QStringList files;
    QSet<QString> used;
    for (const auto& p : plots) {
        QString part = slug(p.name);
        for (int n = 2; used.contains(part); ++n) part = slug(p.name) + "-" + QString::number(n);
        used.insert(part);
        files << stem + "-" + part + "." + info.suffix();
    }
    return files;
}

QString PlotExport::exportPlots(const ExportablePlots& plots, const QString& file,
                                const PlotExportOptions& options, QStringList* written) {
    if (plots.isEmpty()) return QObject::tr("nothing to export: no plot is chosen");
    for (const auto& p : plots) {
        if (p.widget == nullptr) return QObject::tr("plot \"%1\" has no widget").arg(p.name);
    }
    if (options.size.width() <= 0 || options.size.height() <= 0 || options.dpi <= 0) {
        return QObject::tr("the size (%1 × %2) and DPI (%3) must be positive")
            .arg(options.size.width())
            .arg(options.size.height())
            .arg(options.dpi);
    }
    const QStringList files = targetFiles(plots, file, options);
    const QFileInfo dir(QFileInfo(files.front()).absolutePath());
    if (!dir.isDir()) return QObject::tr("%1: the folder does not exist").arg(dir.filePath());
    if (written) written->clear();
    if (options.format == PlotExportOptions::Format::Pdf && files.size() == 1) {
        if (QString error = writePdf(plots, files.front(), options); !error.isEmpty()) return error;
        if (written) *written = files;
        return {};
    }
    for (qsizetype i = 0; i < plots.size(); ++i) {
        QString error;
        switch (options.format) {
            case PlotExportOptions::Format::Png: error = writePng(plots[i], files[i], options); break;
            case PlotExportOptions::Format::Svg: error = writeSvg(plots[i], files[i], options); break;
            case PlotExportOptions::Format::Pdf: error = writePdf({plots[i]}, files[i], options); break;
        }
        if (!error.isEmpty()) return error;
        if (written) written->append(files[i]);
    }
    return {};
}

QString PlotExport::exportWidget(QWidget* widget, const QString& name, const QString& file, int dpi) {
    PlotExportOptions options;
    if (!formatFromSuffix(QFileInfo(file).suffix(), &options.format)) {
        return QObject::tr("%1: unknown format \"%2\" (expected .png, .pdf or .svg)")
            .arg(file, QFileInfo(file).suffix());
    }
    QSizeF natural = widget->size();
    if (auto* view = qobject_cast<QGraphicsView*>(widget); view && view->scene()) {
        natural = view->scene()->sceneRect().size();
    }
    options.unit = PlotExportOptions::Unit::Pixels;
    options.dpi = dpi;
    options.size = natural * (dpi / kScreenDpi);  // the layout is the widget's own size
    return exportPlots({{name, widget}}, file, options);
}

}  // namespace flower::widgets
