// PlotExport, ExportDialog and the monitor's plots (issue 18): files that are what they claim
// — PNG signature, size = physical size × DPI and the DPI stored; SVG's root element, its size
// in mm and the plot's text as text; a PDF's page count and page size — one file per plot with
// the names it announces, the dialog's choices remembered, and a series export that reads back.
#include "widgets/export_dialog.h"
#include "widgets/export_source.h"
#include "widgets/live_plot.h"
#include "widgets/main_window.h"
#include "widgets/plot_export.h"
#include "widgets/plot_style.h"
#include "widgets/run_monitor.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"

#include "widgets/custom_plot.h"

#include <QAction>
#include <QComboBox>
#include <QMenu>
#include <QDoubleSpinBox>
#include <QFile>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QImage>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QXmlStreamReader>

#include <cmath>

using namespace flower;
using widgets::ExportablePlots;
using widgets::LivePlot;
using widgets::PlotExport;
using widgets::PlotExportOptions;

namespace {

QByteArray readAll(const QString& file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Page objects of a PDF ("/Type /Page", not "/Type /Pages").
int pdfPages(const QByteArray& pdf) {
    return static_cast<int>(QString::fromLatin1(pdf).count(QRegularExpression("/Type\\s*/Page(?![s\\w])")));
}

// The first /MediaBox's width and height in points.
QSizeF pdfMediaBox(const QByteArray& pdf) {
    const auto m = QRegularExpression("/MediaBox\\s*\\[\\s*([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)")
                       .match(QString::fromLatin1(pdf));
    if (!m.hasMatch()) return {};
    return {m.captured(3).toDouble() - m.captured(1).toDouble(), m.captured(4).toDouble() - m.captured(2).toDouble()};
}

void fillPlot(LivePlot& plot) {
    const int s = plot.addSeries("total");
    std::vector<store::ScalarPoint> points;
    for (int i = 0; i < 50; ++i) points.push_back({i, i / 10.0, 2.0 * std::exp(-0.05 * i), 0});
    plot.append(s, points);
}

}  // namespace

class TestPlotExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void pngHasTheSizeAndDpiAsked();
    void darkThemePlotsPrintOnWhite();
    void svgIsAVectorDrawing();
    void pdfHasOnePagePerPlot();
    void onePerPlotWritesTheNamesAnnounced();
    void otherWidgetsAndScenes();
    void badRequestsSayWhy();
    void dialogRemembersItsChoices();
    void monitorOffersEveryPlotAndItsSeries();
    void mainWindowExportsTheCurrentTab();

private:
    std::unique_ptr<test::TempDir> config_;
};

void TestPlotExport::initTestCase() {
    config_ = test::isolateUserFolders("plot-export-config");  // QSettings of this test only
    QSettings().clear();
}

void TestPlotExport::mainWindowExportsTheCurrentTab() {
    widgets::MainWindow window;
    window.setInteractive(false);
    auto* monitor = new widgets::RunMonitor;
    window.addView("Monitor", monitor);
    auto* plots = window.findChild<QAction*>("actionExportPlots");
    auto* series = window.findChild<QAction*>("actionExportSeries");
    QVERIFY(plots && series);
    QCOMPARE(plots->shortcut(), QKeySequence(tr("Ctrl+Shift+E")));
    // The experiment form has no plots; the monitor has.
    QVERIFY(window.showView("experiment"));
    QVERIFY(!plots->isEnabled());
    QVERIFY(window.showView("monitor"));
    QVERIFY(plots->isEnabled());
    QVERIFY(dynamic_cast<widgets::ExportSource*>(static_cast<QWidget*>(monitor)) != nullptr);
    QStringList menu;
    for (QAction* a : window.findChild<QMenu*>("menuFile")->actions()) menu << a->objectName();
    QVERIFY(menu.contains("actionExportPlots") && menu.contains("actionExportSeries"));
}

void TestPlotExport::pngHasTheSizeAndDpiAsked() {
    test::TempDir dir("png");
    LivePlot plot("Loss by term", "loss");
    fillPlot(plot);
    PlotExportOptions o;
    o.format = PlotExportOptions::Format::Png;
    o.size = {160, 100};  // mm
    o.dpi = 300;
    const QString file = QString::fromStdString((dir.path() / "loss.png").string());
    QStringList written;
    QCOMPARE(PlotExport::exportPlots({{"Loss by term", &plot}}, file, o, &written), QString());
    QCOMPARE(written, QStringList{file});
    QVERIFY(readAll(file).startsWith("\x89PNG\r\n\x1a\n"));
    const QImage image(file);
    // 160 mm = 6.299 in × 300 = 1889.8 px; 100 mm = 1181.1 px.
    QCOMPARE(image.size(), QSize(1890, 1181));
    QCOMPARE(image.dotsPerMeterX(), qRound(300 / 0.0254));
    // Something is drawn (axes, text, the curve), on the plot's background.
    int dark = 0;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) dark += qGray(image.pixel(x, y)) < 128;
    }
    QVERIFY2(dark > 500, qPrintable(QString::number(dark)));
    // In pixels: exactly the pixels asked for.
    o.unit = PlotExportOptions::Unit::Pixels;
    o.size = {800, 500};
    QCOMPARE(PlotExport::exportPlots({{"Loss", &plot}}, file, o), QString());
    QCOMPARE(QImage(file).size(), QSize(800, 500));
}

void TestPlotExport::darkThemePlotsPrintOnWhite() {
    test::TempDir dir("dark");
    LivePlot plot("Loss by term", "loss");
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(30, 30, 30));
    dark.setColor(QPalette::Base, QColor(20, 20, 20));
    dark.setColor(QPalette::WindowText, Qt::white);
    dark.setColor(QPalette::Text, Qt::white);
    plot.setPalette(dark);
    fillPlot(plot);
    PlotExportOptions o;
    o.format = PlotExportOptions::Format::Png;
    o.dpi = 96;
    const QString file = QString::fromStdString((dir.path() / "p.png").string());
    QCOMPARE(PlotExport::exportPlots({{"Loss", &plot}}, file, o), QString());
    QVERIFY2(qGray(QImage(file).pixel(3, 3)) > 230, "print colours: a light background");
    QVERIFY(widgets::PlotStyle::isDark(plot.palette()));  // the widget's own palette is back
    o.printColours = false;
    QCOMPARE(PlotExport::exportPlots({{"Loss", &plot}}, file, o), QString());
    QVERIFY2(qGray(QImage(file).pixel(3, 3)) < 60, "as on screen: the dark background");
}

void TestPlotExport::svgIsAVectorDrawing() {
    test::TempDir dir("svg");
    LivePlot plot("Loss by term", "loss");
    fillPlot(plot);
    PlotExportOptions o;
    o.format = PlotExportOptions::Format::Svg;
    o.size = {120, 80};
    const QString file = QString::fromStdString((dir.path() / "loss.svg").string());
    QCOMPARE(PlotExport::exportPlots({{"Loss by term", &plot}}, file, o), QString());
    const QByteArray svg = readAll(file);
    QXmlStreamReader xml(svg);
    while (!xml.atEnd() && !xml.isStartElement()) xml.readNext();
    QCOMPARE(xml.name().toString(), QString("svg"));
    const double width = xml.attributes().value("width").toString().remove("mm").toDouble();
    QVERIFY2(std::abs(width - 120) < 0.5, qPrintable(xml.attributes().value("width").toString()));
    QVERIFY(svg.contains("Loss by term"));  // text stays text
    QVERIFY(svg.contains("<path") || svg.contains("<polyline"));
}

void TestPlotExport::pdfHasOnePagePerPlot() {
    test::TempDir dir("pdf");
    LivePlot a("Loss by term", "loss"), b("Learning rate", "lr"), c("Gradient norm", "norm");
    for (LivePlot* p : {&a, &b, &c}) fillPlot(*p);
    PlotExportOptions o;  // PDF, 160 × 100 mm
    const QString file = QString::fromStdString((dir.path() / "all.pdf").string());
    QStringList written;
    QCOMPARE(PlotExport::exportPlots({{"Loss", &a}, {"LR", &b}, {"Norm", &c}}, file, o, &written), QString());
    QCOMPARE(written, QStringList{file});
    const QByteArray pdf = readAll(file);
    QVERIFY(pdf.startsWith("%PDF-"));
    QCOMPARE(pdfPages(pdf), 3);
    // 160 × 100 mm = 453.5 × 283.5 pt, landscape as asked.
    const QSizeF box = pdfMediaBox(pdf);
    QVERIFY2(std::abs(box.width() - 453.5) < 1 && std::abs(box.height() - 283.5) < 1,
             qPrintable(QString("%1 x %2").arg(box.width()).arg(box.height())));
}

void TestPlotExport::onePerPlotWritesTheNamesAnnounced() {
    test::TempDir dir("per-plot");
    LivePlot a("Loss by term", "loss"), b("Learning rate", "lr");
    fillPlot(a);
    fillPlot(b);
    const ExportablePlots plots{{"Loss by term", &a}, {"Loss by term", &b}};
    const QString stem = QString::fromStdString((dir.path() / "fig.pdf").string());
    for (auto format : {PlotExportOptions::Format::Png, PlotExportOptions::Format::Svg, PlotExportOptions::Format::Pdf}) {
        PlotExportOptions o;
        o.format = format;
        o.onePerPlot = true;
        o.dpi = 100;
        const QString suffix = PlotExport::suffix(format);
        const QStringList expected{QString::fromStdString((dir.path() / ("fig-loss-by-term." + suffix.toStdString())).string()),
                                   QString::fromStdString((dir.path() / ("fig-loss-by-term-2." + suffix.toStdString())).string())};
        QCOMPARE(PlotExport::targetFiles(plots, stem, o), expected);
        QStringList written;
        QCOMPARE(PlotExport::exportPlots(plots, stem, o, &written), QString());
        QCOMPARE(written, expected);
        for (const QString& f : expected) QVERIFY2(QFile::exists(f), qPrintable(f));
        if (format == PlotExportOptions::Format::Pdf) QCOMPARE(pdfPages(readAll(expected[1])), 1);
    }
    QCOMPARE(PlotExport::slug("KL(T‖R) — title level"), QString("kl-t-r-title-level"));
}

void TestPlotExport::otherWidgetsAndScenes() {
    test::TempDir dir("widgets");
    QLabel label("a label drawn through render()");
    label.resize(300, 60);
    QGraphicsScene scene(0, 0, 200, 100);
    scene.addRect(10, 10, 180, 80, QPen(Qt::black), QBrush(Qt::red));
    QGraphicsView view(&scene);
    PlotExportOptions o;
    o.format = PlotExportOptions::Format::Png;
    o.unit = PlotExportOptions::Unit::Pixels;
    o.size = {400, 200};
    o.dpi = 96;
    const QString file = QString::fromStdString((dir.path() / "view.png").string());
    QCOMPARE(PlotExport::exportPlots({{"scene", &view}}, file, o), QString());
    const QImage image(file);
    QCOMPARE(image.size(), QSize(400, 200));
    // The scene fills the picture: its red rectangle is in the middle.
    QCOMPARE(QColor(image.pixel(200, 100)), QColor(Qt::red));
    o.format = PlotExportOptions::Format::Pdf;
    const QString pdf = QString::fromStdString((dir.path() / "both.pdf").string());
    QCOMPARE(PlotExport::exportPlots({{"scene", &view}, {"label", &label}}, pdf, o), QString());
    QCOMPARE(pdfPages(readAll(pdf)), 2);
    // exportWidget: the single-plot path of the context menus, format by suffix.
    const QString svg = QString::fromStdString((dir.path() / "label.svg").string());
    QCOMPARE(PlotExport::exportWidget(&label, "label", svg), QString());
    QVERIFY(readAll(svg).contains("<svg"));
}

void TestPlotExport::badRequestsSayWhy() {
    test::TempDir dir("bad");
    LivePlot plot("Loss", "loss");
    PlotExportOptions o;
    QVERIFY(PlotExport::exportPlots({}, "x.pdf", o).contains("no plot"));
    QVERIFY(PlotExport::exportPlots({{"Loss", &plot}}, "/nonexistent-folder/x.pdf", o).contains("/nonexistent-folder"));
    o.dpi = 0;
    QVERIFY(PlotExport::exportPlots({{"Loss", &plot}}, QString::fromStdString((dir.path() / "x.pdf").string()), o)
                .contains("DPI"));
    QVERIFY(PlotExport::exportWidget(&plot, "Loss", "plot.bmpx").contains("unknown format"));
    QString error;
    QVERIFY(!plot.exportTo("plot.bmpx", &error));
    QVERIFY(error.contains("bmpx"));
}

void TestPlotExport::dialogRemembersItsChoices() {
    test::TempDir dir("dialog");
    LivePlot a("Loss by term", "loss"), b("Learning rate", "lr"), c("Gradient norm", "norm");
    for (LivePlot* p : {&a, &b, &c}) fillPlot(*p);
    const ExportablePlots plots{{"Loss by term", &a}, {"Learning rate", &b}, {"Gradient norm", &c}};
    const QString file = QString::fromStdString((dir.path() / "figure.png").string());
    {
        widgets::ExportDialog d(plots, "run 1", nullptr);
        d.findChild<QComboBox*>("exportFormat")->setCurrentIndex(2);  // PNG
        d.findChild<QComboBox*>("exportUnit")->setCurrentIndex(1);    // px at the DPI shown
        d.findChild<QSpinBox*>("exportDpi")->setValue(150);
        d.findChild<QDoubleSpinBox*>("exportWidth")->setValue(900);
        d.findChild<QDoubleSpinBox*>("exportHeight")->setValue(600);
        d.findChild<QListWidget*>("exportPlotList")->item(1)->setCheckState(Qt::Unchecked);
        d.setFile(file);
        QCOMPARE(d.chosenPlots().size(), qsizetype(2));
        const QStringList expected{QString::fromStdString((dir.path() / "figure-loss-by-term.png").string()),
                                   QString::fromStdString((dir.path() / "figure-gradient-norm.png").string())};
        QCOMPARE(d.targetFiles(), expected);
        QVERIFY(d.findChild<QLabel*>("exportTargets")->text().contains("figure-gradient-norm.png"));
        QStringList written;
        QCOMPARE(d.write(&written), QString());
        QCOMPARE(written, expected);
        QCOMPARE(QImage(expected[1]).size(), QSize(900, 600));
    }
    // A new dialog (next session) starts from those choices.
    widgets::ExportDialog again(plots, "run 1", nullptr);
    const auto o = again.plotOptions();
    QVERIFY(o.format == PlotExportOptions::Format::Png);
    QVERIFY(o.unit == PlotExportOptions::Unit::Pixels);
    QCOMPARE(o.size, QSizeF(900, 600));
    QCOMPARE(o.dpi, 150);
    QCOMPARE(again.chosenPlots().size(), qsizetype(2));
    QCOMPARE(again.file(), file);
    // Switching the unit keeps the physical size: 900 px at 150 dpi = 152.4 mm.
    again.findChild<QComboBox*>("exportUnit")->setCurrentIndex(0);
    QVERIFY(std::abs(again.plotOptions().size.width() - 152.4) < 0.06);
}

void TestPlotExport::monitorOffersEveryPlotAndItsSeries() {
    test::TempDir dir("monitor");
    const auto db = dir.path() / "runs.sqlite";
    std::int64_t id = 0;
    {
        store::RunStore s(db);
        id = s.createRun({"export-test", "{}", "flower", "synthetic", 1, "cpu"});
        s.startRun(id);
        store::RunWriter w(db, id);
        for (int step = 0; step < 20; ++step) {
            w.scalar("loss/total", step, 1.0 / (step + 1), step / 10.0, 1000 + step);
            w.scalar("lr", step, 0.001);
        }
        w.evaluation("valid", "ndcg", 5, 10, 0.25);
        w.evaluation("valid", "hr", 5, 10, 0.5);
        const std::vector<double> bins{0.5, 0.3, 0.2};
        w.histogram("groups_recommended", 10, bins);
        w.finish(store::RunStatus::Finished);
    }
    widgets::RunMonitor m;
    m.resize(1000, 700);
    m.setPollIntervalMs(20);
    QSignalSpy caught(&m, &widgets::RunMonitor::caughtUp);
    m.showRun(QString::fromStdString(db.string()), id);
    QTRY_VERIFY_WITH_TIMEOUT(!caught.isEmpty(), 5000);
    QStringList names;
    for (const auto& p : m.exportablePlots()) names << p.name;
    // Training 4, groups, KL/JS 2, evaluation 2 (NDCG, HR); no diagnostics series here.
    QCOMPARE(names, (QStringList{"Loss by term", "Learning rate", "Gradient norm", "Throughput", "Popularity groups",
                                 "Title level: generated (R) vs target (T)", "Token level: generated (R) vs target (T)",
                                 "NDCG@K", "Hit ratio HR@K"}));
    QCOMPARE(m.exportablePlots("divergences").size(), qsizetype(2));
    QCOMPARE(m.exportRuns(), QList<qint64>{id});
    QVERIFY(!m.zoomedRange());
    // The whole monitor into one PDF, one page per plot (hidden tabs included).
    const QString pdf = QString::fromStdString((dir.path() / "monitor.pdf").string());
    QCOMPARE(PlotExport::exportPlots(m.exportablePlots(), pdf, PlotExportOptions{}), QString());
    QCOMPARE(pdfPages(readAll(pdf)), 9);

    // Zoom the loss plot to steps 5..9: the series dialog offers exactly that range.
    LivePlot* loss = m.findChild<LivePlot*>("lossPlot");
    QWheelEvent wheel(QPointF(200, 150), loss->plot()->mapToGlobal(QPointF(200, 150)), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(loss->plot(), &wheel);
    QVERIFY(!loss->followsData());
    loss->plot()->xAxis->setRange(5, 9);
    const auto range = m.zoomedRange();
    QVERIFY(range);
    QVERIFY(range->axis == store::SeriesAxis::Step);
    QCOMPARE(range->lower, 5.0);
    widgets::ExportDialog series(QString::fromStdString(db.string()), m.exportRuns(), range, nullptr);
    series.findChild<QRadioButton*>("exportZoomedPoints")->setChecked(true);
    const QString csv = QString::fromStdString((dir.path() / "zoomed.csv").string());
    series.setFile(csv);
    QCOMPARE(series.write(), QString());
    const QStringList lines = QString::fromUtf8(readAll(csv)).trimmed().split('\n');
    // Header + loss/total and lr at steps 5..9.
    QCOMPARE(lines.size(), 1 + 2 * 5);
    const QStringList five = lines.filter(QRegularExpression(QString("^%1,loss/total,5,").arg(id)));
    QCOMPARE(five.size(), qsizetype(1));
    const QStringList fields = five.front().split(',');
    QCOMPARE(fields.mid(0, 5), (QStringList{QString::number(id), "loss/total", "5", "0.5", "1005"}));
    QVERIFY(fields[5].toDouble() == 1.0 / 6);  // the stored double, read back exactly
}

FLOWER_GUI_TEST_MAIN(TestPlotExport, pngHasTheSizeAndDpiAsked, darkThemePlotsPrintOnWhite, svgIsAVectorDrawing,
                     pdfHasOnePagePerPlot, onePerPlotWritesTheNamesAnnounced, otherWidgetsAndScenes,
                     badRequestsSayWhy, dialogRemembersItsChoices, monitorOffersEveryPlotAndItsSeries,
                     mainWindowExportsTheCurrentTab)
#include "test_plot_export.moc"
