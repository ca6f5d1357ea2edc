// `flower runs`, `flower show RUN`, `flower export`: the run store from the command line.
// The store is --db FILE, else the default rule of core/store/store_location.h; a missing file
// is an error (these commands never create one).
#include "command.h"

#include "core/store/result_table.h"
#include "core/store/run_json_export.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/store/table_builder.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>

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
};

void runExport(const ExportArgs& a) {
    auto s = openStore(a.db);
    const auto ids = parseIds(a.runs);
    std::string text;
    if (a.format == "json") {
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
    if (a.out == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    std::ofstream out(a.out, std::ios::binary);
    out << text;
    if (!out) {
        throw Error({a.out, 0, ""}, "cannot write the export");
    }
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
    auto* exp = root.add_subcommand("export", "Export runs as a table (CSV, Markdown, LaTeX) or "
                                              "as JSON");
    exp->add_option("--runs", args->runs, "Run ids: 1,3,5-8")->required();
    exp->add_option("--format", args->format, "csv | md | latex | json")
        ->required()
        ->check(CLI::IsMember({"csv", "md", "latex", "json"}));
    exp->add_option("--table", args->table,
                    "runs: one row per run; paper: the paper's Table 4 (rows = BIGRec, Temp, "
                    "D3, …, Flower and Table 6's reward variants, from each run's config or its "
                    "table_row; column groups = datasets, mean ± std over seeds)")
        ->check(CLI::IsMember({"runs", "paper"}));
    exp->add_option("--out", args->out, "Output file (- for standard output)")->required();
    exp->add_option("--db", args->db, "Run store");
    exp->callback([args] { runExport(*args); });
});

}  // namespace
