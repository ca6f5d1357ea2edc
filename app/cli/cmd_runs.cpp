// `flower runs`, `flower show RUN`, `flower export`: the run store from the command line.
// The store is --db FILE, else the default rule of core/store/store_location.h; a missing file
// is an error (these commands never create one).
// `flower export` writes tables (--table, CSV/Markdown/LaTeX, or whole runs as JSON), series
// (--series, CSV/JSON, optionally an x range) and plots (--plot, PNG/SVG/PDF); the plots are
// drawn by libflower_plot_commands.so (Qt), loaded here only for --plot.
#include "command.h"

#include "app/cli_plots/render_plots.h"

#include "core/store/result_table.h"
#include "core/store/run_json_export.h"
#include "core/store/run_store.h"
#include "core/store/series_export.h"
#include "core/store/store_location.h"
#include "core/store/table_builder.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using flower::Error;
namespace store = flower::store;

store::RunStore openStore(const std::string& db) {
    const std::filesystem::path file = db.empty() ? store::defaultStorePath() : std::filesystem::path(db);
    store::StoreOptions options;
    options.create = false;
    return store::RunStore(file, options);
}

std::string isoTime(double unixSeconds) {
    const std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
    return buffer;
}

// "1,3,5-7" → {1, 3, 5, 6, 7}
std::vector<std::int64_t> parseIds(const std::string& text) {
    std::vector<std::int64_t> ids;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string part = text.substr(start, end - start);
        try {
            std::size_t used = 0;
            const auto dash = part.find('-', 1);
            const std::int64_t first = std::stoll(part.substr(0, dash), &used);
            if (used != part.substr(0, dash).size()) {
                throw std::invalid_argument(part);
            }
            std::int64_t last = first;
            if (dash != std::string::npos) {
                last = std::stoll(part.substr(dash + 1), &used);
                if (used != part.size() - dash - 1 || last < first) {
                    throw std::invalid_argument(part);
                }
            }
            for (std::int64_t id = first; id <= last; ++id) {
                ids.push_back(id);
            }
        } catch (const std::exception&) {
            throw Error({"--runs", 0, ""}, "\"" + part + "\" is not a run id or a range such "
                                           "as 5-8 (expected e.g. --runs 1,3,5-8)");
        }
        start = end + 1;
    }
    return ids;
}

void printRuns(store::RunStore& s) {
    const auto runs = s.listRuns();
    if (runs.empty()) {
        std::printf("no runs in %s\n", s.file().c_str());
        return;
    }
    std::printf("%-5s %-28s %-12s %-16s %-20s %-6s %s\n", "ID", "NAME", "STATUS", "METHOD",
                "DATASET", "SEED", "CREATED (UTC)");
    for (const auto& r : runs) {
        std::string dataset = r.dataset.size() > 20 ? "…" + r.dataset.substr(r.dataset.size() - 19)
                                                    : r.dataset;
        std::printf("%-5lld %-28s %-12s %-16s %-20s %-6lld %s\n", static_cast<long long>(r.id),
                    r.name.c_str(), std::string(store::toString(r.status)).c_str(),
                    r.method.c_str(), dataset.c_str(), static_cast<long long>(r.seed),
                    isoTime(r.createdAt).c_str());
    }
}

void printRun(store::RunStore& s, std::int64_t id) {
    const auto r = s.run(id);
    std::printf("run %lld: %s\n", static_cast<long long>(r.id), r.name.c_str());
    std::printf("  status       %s\n", std::string(store::toString(r.status)).c_str());
    std::printf("  method       %s\n  dataset      %s\n  seed         %lld\n", r.method.c_str(),
                r.dataset.c_str(), static_cast<long long>(r.seed));
    std::printf("  created      %s UTC\n", isoTime(r.createdAt).c_str());
    if (r.startedAt) {
        std::printf("  started      %s UTC\n", isoTime(*r.startedAt).c_str());
    }
    if (r.finishedAt) {
        std::printf("  finished     %s UTC\n", isoTime(*r.finishedAt).c_str());
    }
    std::printf("  code         %s\n  host         %s\n  device       %s\n", r.codeVersion.c_str(),
                r.host.c_str(), r.device.c_str());
    if (r.error) {
        std::printf("  error        %s\n", r.error->c_str());
    }
    const auto tags = s.tags(id);
    if (!tags.empty()) {
        std::string t;
        for (const auto& tag : tags) {
            t += (t.empty() ? "" : ", ") + tag;
        }
        std::printf("  tags         %s\n", t.c_str());
    }
    if (!r.notes.empty()) {
        std::printf("  notes        %s\n", r.notes.c_str());
    }
    const auto keys = s.seriesKeys(id);
    if (!keys.empty()) {
        std::printf("series (points, last step: value)\n");
        for (const auto& key : keys) {
            const auto points = s.readSeries(id, key);
            std::printf("  %-24s %8zu", key.c_str(), points.size());
            if (!points.empty()) {
                std::printf("   %lld: %.6g", static_cast<long long>(points.back().step),
                            points.back().value);
            }
            std::printf("\n");
        }
    }
    const auto evaluations = s.evaluations(id);
    if (!evaluations.empty()) {
        std::printf("evaluations (step split metric@K value)\n");
        for (const auto& e : evaluations) {
            std::printf("  %8lld %-6s %s%s %.6f\n", static_cast<long long>(e.step), e.split.c_str(),
                        e.metric.c_str(), e.k > 0 ? ("@" + std::to_string(e.k)).c_str() : "",
                        e.value);
        }
    }
    for (const auto& c : s.checkpoints(id)) {
        std::printf("checkpoint step %lld: %s\n", static_cast<long long>(c.step), c.path.c_str());
    }
}

struct ExportArgs {
    std::string runs, format, table = "runs", out, db;
    bool series = false;                  // --series given (keys may be empty: every series)
    std::vector<std::string> keys;
    std::string x = "step";
    std::optional<double> from, to;
    std::string plot;
    double width = 0, height = 0;         // 0: the unit's default
    std::string unit = "mm";
    int dpi = 300;
    bool onePerPlot = false;
};

void writeOut(const std::string& out, const std::string& text) {
    if (out == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    std::ofstream file(out, std::ios::binary);
    file << text;
    if (!file) {
        throw Error({out, 0, ""}, "cannot write the export");
    }
}

bool isPlotFormat(const std::string& f) { return f == "png" || f == "svg" || f == "pdf"; }

// The directory of this library (libflower_commands.so): the plot library lies beside it, in
// the build tree and installed alike.
std::string commandsLibraryDir() {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&commandsLibraryDir), &info) == 0 || info.dli_fname == nullptr) {
        return {};
    }
    const std::filesystem::path self(info.dli_fname);
    return self.has_parent_path() ? self.parent_path().string() : std::string(".");
}

void runPlotExport(const ExportArgs& a, const std::vector<std::int64_t>& ids) {
    if (a.out == "-") {
        throw Error({"", 0, "--out"}, "plots are written to files: give --out FILE.png|svg|pdf");
    }
    // Unknown runs and a missing store are reported here, before Qt is loaded.
    auto s = openStore(a.db);
    for (const auto id : ids) {
        (void)s.run(id);
    }
    const bool px = a.unit == "px";
    nlohmann::json request = {
        {"db", s.file().string()}, {"runs", ids}, {"plot", a.plot}, {"format", a.format},
        {"out", a.out}, {"unit", a.unit}, {"width", a.width > 0 ? a.width : (px ? 1600.0 : 160.0)},
        {"height", a.height > 0 ? a.height : (px ? 1000.0 : 100.0)}, {"dpi", a.dpi},
        {"one_per_plot", a.onePerPlot}};
#ifdef FLOWER_PLOT_LIBRARY
    const std::string library = commandsLibraryDir() + "/" + FLOWER_PLOT_LIBRARY;
    void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        throw Error({library, 0, ""}, std::string("cannot load the plot library: ") + ::dlerror());
    }
    auto render = reinterpret_cast<FlowerRenderPlotsFn>(::dlsym(handle, FLOWER_RENDER_PLOTS_SYMBOL));
    if (render == nullptr) {
        throw Error({library, 0, ""}, "the plot library has no " FLOWER_RENDER_PLOTS_SYMBOL);
    }
    std::vector<char> result(1 << 16);
    const int rc = render(request.dump().c_str(), result.data(), result.size());
    const auto answer = nlohmann::json::parse(result.data(), nullptr, false);
    if (rc != 0 || answer.is_discarded() || !answer.contains("files")) {
        throw Error(answer.is_discarded() ? std::string(result.data())
                                          : answer.value("error", std::string("the plots could not be drawn")));
    }
    for (const auto& f : answer.at("files")) {
        std::printf("wrote %s\n", f.get<std::string>().c_str());
    }
#else
    (void)request;
    throw Error({"", 0, "--plot"}, "this flower was built without the GUI libraries (FLOWER_BUILD_GUI=OFF): "
                                   "plots cannot be drawn");
#endif
}

void runExport(const ExportArgs& a) {
    const auto ids = parseIds(a.runs);
    if (a.series && !a.plot.empty()) {
        throw Error({"", 0, "--series"}, "--series and --plot are two exports: give one of them");
    }
    if (!a.plot.empty()) {
        if (!isPlotFormat(a.format)) {
            throw Error({"", 0, "--format"}, "\"" + a.format + "\" is not a plot format (expected png, svg or pdf with --plot)");
        }
        runPlotExport(a, ids);
        return;
    }
    if (isPlotFormat(a.format)) {
        throw Error({"", 0, "--format"}, a.format + " draws a plot: name it with --plot loss|histogram|divergence|metrics");
    }
    if ((a.from || a.to) && !a.series) {
        throw Error({"", 0, "--from"}, "--from / --to restrict --series: give --series as well");
    }
    auto s = openStore(a.db);
    std::string text;
    if (a.series) {
        if (a.format != "csv" && a.format != "json") {
            throw Error({"", 0, "--format"}, "series are written as csv or json, not \"" + a.format + "\"");
        }
        store::SeriesSelection selection;
        selection.runs = ids;
        selection.keys = a.keys;
        if (a.from || a.to) {
            selection.range = store::SeriesRange{store::parseSeriesAxis(a.x, "--x"), a.from.value_or(-HUGE_VAL),
                                                 a.to.value_or(HUGE_VAL)};
        }
        const auto series = store::collectSeries(s, selection);
        text = a.format == "csv" ? store::seriesCsv(series) : store::seriesJson(series, selection.range).dump(1) + "\n";
    } else if (a.format == "json") {
        if (ids.size() == 1) {
            text = store::exportRunJson(s, ids[0]).dump(2);
        } else {
            nlohmann::json all = nlohmann::json::array();
            for (const auto id : ids) {
                all.push_back(store::exportRunJson(s, id));
            }
            text = all.dump(2);
        }
        text += "\n";
    } else {
        const store::ResultTable table =
            a.table == "paper" ? store::paperTable(s, ids) : store::runsTable(s, ids);
        text = a.format == "csv" ? table.toCsv() : a.format == "md" ? table.toMarkdown()
                                                                    : table.toLatex();
    }
    writeOut(a.out, text);
}

const flower::cli::Registration kRuns(30, [](CLI::App& root) {
    auto db = std::make_shared<std::string>();
    auto* runs = root.add_subcommand("runs", "List the runs of a run store");
    runs->add_option("--db", *db, "Run store (default: see core/store/store_location.h)");
    runs->callback([db] {
        auto s = openStore(*db);
        printRuns(s);
    });

    auto showDb = std::make_shared<std::string>();
    auto id = std::make_shared<std::int64_t>(0);
    auto* show = root.add_subcommand("show", "Describe one run: state, times, series, "
                                             "evaluations, checkpoints");
    show->add_option("RUN", *id, "Run id")->required();
    show->add_option("--db", *showDb, "Run store");
    show->callback([showDb, id] {
        auto s = openStore(*showDb);
        printRun(s, *id);
    });

    auto args = std::make_shared<ExportArgs>();
    auto* exp = root.add_subcommand("export", "Export runs as a table (CSV, Markdown, LaTeX) or as "
                                              "JSON, their series (--series) or plots (--plot)");
    exp->add_option("--runs", args->runs, "Run ids: 1,3,5-8")->required();
    exp->add_option("--format", args->format,
                    "csv | md | latex | json (tables, runs); csv | json (--series); png | svg | pdf (--plot)")
        ->required()
        ->check(CLI::IsMember({"csv", "md", "latex", "json", "png", "svg", "pdf"}));
    auto* series = exp->add_option("--series", args->keys,
                                   "Write the runs' series, long format (run,key,step,epoch,wall_time,value); "
                                   "optionally only these keys: --series loss/total,lr")
                       ->expected(0, -1)
                       ->delimiter(',');
    exp->add_option("--x", args->x, "The axis of --from/--to: step | epoch | time (Unix seconds)")
        ->check(CLI::IsMember({"step", "epoch", "time"}));
    auto from = std::make_shared<double>(0);
    auto to = std::make_shared<double>(0);
    auto* fromOpt = exp->add_option("--from", *from, "Only points with x >= this (--series)");
    auto* toOpt = exp->add_option("--to", *to, "Only points with x <= this (--series)");
    exp->add_option("--plot", args->plot,
                    "Draw the monitor's plot headless: loss | histogram (popularity groups at the "
                    "last evaluation) | divergence (title and token KL/JS) | metrics (one per "
                    "evaluation metric); several runs or plots: one page each (PDF) or one file each")
        ->check(CLI::IsMember({"loss", "histogram", "divergence", "metrics"}));
    exp->add_option("--width", args->width, "Plot width in --unit (default 160 mm or 1600 px)")
        ->check(CLI::PositiveNumber);
    exp->add_option("--height", args->height, "Plot height in --unit (default 100 mm or 1000 px)")
        ->check(CLI::PositiveNumber);
    exp->add_option("--unit", args->unit, "mm | px (px: pixels of the PNG at --dpi)")
        ->check(CLI::IsMember({"mm", "px"}));
    exp->add_option("--dpi", args->dpi, "PNG resolution; text keeps its point size (default 300)")
        ->check(CLI::Range(36, 2400));
    exp->add_flag("--one-file-per-plot", args->onePerPlot, "PDF: one file per plot instead of one page each");
    exp->add_option("--table", args->table,
                    "runs: one row per run; paper: the paper's Table 4 (rows = BIGRec, Temp, "
                    "D3, …, Flower and Table 6's reward variants, from each run's config or its "
                    "table_row; column groups = datasets, mean ± std over seeds)")
        ->check(CLI::IsMember({"runs", "paper"}));
    exp->add_option("--out", args->out, "Output file (- for standard output)")->required();
    exp->add_option("--db", args->db, "Run store");
    exp->callback([args, series, from, to, fromOpt, toOpt] {
        args->series = series->count() > 0;
        // A bare --series leaves one empty value: it means every series.
        std::erase(args->keys, std::string());
        if (fromOpt->count() > 0) args->from = *from;
        if (toOpt->count() > 0) args->to = *to;
        runExport(*args);
    });
});

}  // namespace
