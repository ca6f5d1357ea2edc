// `flower export --plot` headless: the monitor's own widgets (RunMonitor: LivePlot, the
// popularity-group bars, the KL / JS plots, the evaluation plots), fed from the store exactly as
// in the workbench, drawn on Qt's offscreen platform and written through PlotExport.
#include "app/cli_plots/render_plots.h"

#include "widgets/custom_plot.h"
#include "widgets/group_histogram_view.h"
#include "widgets/live_plot.h"
#include "widgets/plot_export.h"
#include "widgets/run_monitor.h"

#include <QApplication>
#include <QEventLoop>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using flower::widgets::ExportablePlots;
using flower::widgets::LivePlot;
using flower::widgets::PlotExport;
using flower::widgets::PlotExportOptions;
using flower::widgets::RunMonitor;

struct Kind {
    const char* name;
    const char* tab;       // RunMonitor::showTab name
    const char* missing;   // what the run lacks when the plot would be empty
};
constexpr Kind kKinds[] = {
    {"loss", "training", "no loss series (loss/<term>)"},
    {"histogram", "groups", "no popularity-group histograms (written at evaluations)"},
    {"divergence", "divergences", "no KL / JS divergences (written by RQ1 evaluations)"},
    {"metrics", "evaluation", "no evaluation metrics"},
};

bool hasData(QWidget* widget) {
    if (auto* groups = qobject_cast<flower::widgets::GroupHistogramView*>(widget)) return !groups->steps().empty();
    if (auto* live = qobject_cast<LivePlot*>(widget)) {
        for (int i = 0; i < live->seriesCount(); ++i) {
            if (!live->points(i).empty()) return true;
        }
        return false;
    }
    if (auto* plot = qobject_cast<QCustomPlot*>(widget)) {
        for (int i = 0; i < plot->plottableCount(); ++i) {
            if (!plot->plottable(i)->interface1D() || plot->plottable(i)->interface1D()->dataCount() > 0) return true;
        }
        return false;
    }
    return true;
}

nlohmann::json render(const nlohmann::json& request) {
    const std::string plot = request.at("plot").get<std::string>();
    const Kind* kind = nullptr;
    for (const Kind& k : kKinds) {
        if (plot == k.name) kind = &k;
    }
    if (kind == nullptr) throw std::runtime_error("--plot \"" + plot + "\": expected loss, histogram, divergence or metrics");

    // No window is ever shown: the offscreen platform needs no display (and a script over ssh
    // has none). An explicit QT_QPA_PLATFORM is respected.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "flower";
    static char* argv[] = {name, nullptr};
    std::unique_ptr<QApplication> ownApp;
    if (QApplication::instance() == nullptr) ownApp = std::make_unique<QApplication>(argc, argv);

    const QString db = QString::fromStdString(request.at("db").get<std::string>());
    const auto runs = request.at("runs").get<std::vector<qint64>>();
    const int timeoutMs = static_cast<int>(request.value("timeout_s", 120.0) * 1000);
    std::vector<std::unique_ptr<RunMonitor>> monitors;
    ExportablePlots plots;
    for (const qint64 id : runs) {
        auto monitor = std::make_unique<RunMonitor>();
        monitor->resize(1400, 900);
        monitor->setPollIntervalMs(10);
        QEventLoop loop;
        bool caught = false;
        QObject::connect(monitor.get(), &RunMonitor::caughtUp, &loop, [&] {
            caught = true;
            loop.quit();
        });
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        monitor->showRun(db, id);
        loop.exec();
        if (!caught) {
            throw std::runtime_error("run " + std::to_string(id) + " of " + db.toStdString() +
                                     ": the store could not be read within " + std::to_string(timeoutMs / 1000) + " s");
        }
        monitor->showTab(QString::fromLatin1(kind->tab));
        ExportablePlots own = monitor->exportablePlots(QString::fromLatin1(kind->tab));
        if (plot == "loss") {
            // The loss alone: the other training plots are --plot metrics' neighbours in the GUI.
            own.erase(std::remove_if(own.begin(), own.end(),
                                     [](const auto& p) { return p.widget->objectName() != "lossPlot"; }),
                      own.end());
        }
        own.erase(std::remove_if(own.begin(), own.end(), [](const auto& p) { return !hasData(p.widget); }),
                  own.end());
        if (own.isEmpty()) {
            throw std::runtime_error("run " + std::to_string(id) + " has " + kind->missing + ": nothing to draw for --plot " + plot);
        }
        if (runs.size() > 1) {
            for (auto& p : own) p.name = QStringLiteral("run %1 %2").arg(id).arg(p.name);
        }
        plots.append(own);
        monitors.push_back(std::move(monitor));
    }

    PlotExportOptions options;
    PlotExport::formatFromSuffix(QString::fromStdString(request.at("format").get<std::string>()), &options.format);
    options.unit = request.value("unit", std::string("mm")) == "px" ? PlotExportOptions::Unit::Pixels
                                                                    : PlotExportOptions::Unit::Millimetres;
    options.size = QSizeF(request.at("width").get<double>(), request.at("height").get<double>());
    options.dpi = request.value("dpi", 300);
    options.onePerPlot = request.value("one_per_plot", false);
    if (runs.size() == 1) options.title = QStringLiteral("run %1 · %2").arg(runs[0]).arg(QString::fromStdString(plot));
    QStringList written;
    const QString error = PlotExport::exportPlots(plots, QString::fromStdString(request.at("out").get<std::string>()),
                                                  options, &written);
    if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
    nlohmann::json files = nlohmann::json::array();
    for (const QString& f : written) files.push_back(f.toStdString());
    monitors.clear();  // before the application goes
    return {{"files", files}};
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int flower_render_plots(const char* request, char* result,
                                                                          std::size_t resultSize) {
    nlohmann::json out;
    int rc = 0;
    try {
        out = render(nlohmann::json::parse(request));
    } catch (const std::exception& e) {
        out = {{"error", e.what()}};
        rc = 1;
    }
    const std::string text = out.dump();
    if (resultSize > 0) {
        const std::size_t n = std::min(text.size(), resultSize - 1);
        std::memcpy(result, text.data(), n);
        result[n] = '\0';
    }
    return rc;
}
