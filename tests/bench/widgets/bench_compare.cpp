// bench_compare — issue 18's comparison goals, and a store to look at the Compare tab with.
//   bench_compare [--reps N]
//     overlay: 20 runs × 100,000 points from memory to the plot replotted (align + copy per
//              run, envelopes, setData, a synchronous replot of an 900 × 400 plot); goal < 300 ms
//     aggregate: 5 seeds × 100,000 points grouped into one mean ± std curve (EMA 0.6) — the
//              computation alone and through ComparisonWorker's thread (compute() to the
//              result's arrival on the GUI thread); goal < 100 ms
//     prints median and max of N repetitions (default 7) after one warm-up.
//   bench_compare --snapshot STORE IDS PNG [GROUP_KEY [metrics]]
//     the Compare tab alone (offscreen) on those runs, grouped by GROUP_KEY, saved as PNG;
//     "metrics" shows the metrics table tab.
//   bench_compare --make-store FILE
//     writes a small store for screenshots: SFT and Flower at λ = 0.001 and 0.1, three seeds
//     each (one seed of each stops early), losses, valid NDCG@5, lr, final test metrics and RQ1
//     divergences. Then: flower-workbench --store FILE --view compare --runs 1-9 --screenshot x.png
// Run with QT_QPA_PLATFORM=offscreen (or under Xvfb).
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/compare/run_id_list.h"
#include "widgets/comparison_plot.h"
#include "widgets/comparison_view.h"
#include "widgets/comparison_worker.h"
#include "widgets/run_palette.h"

#include "widgets/custom_plot.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTabWidget>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

using namespace flower;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void report(const char* what, std::vector<double> t, double goal) {
    std::sort(t.begin(), t.end());
    std::printf("%-46s median %7.1f ms  max %7.1f ms  (goal < %.0f ms)\n", what, t[t.size() / 2],
                t.back(), goal);
}

std::vector<widgets::ComparedRun> syntheticRuns(int runs, int points, bool seeds) {
    std::mt19937 rng(18);
    std::normal_distribution<double> noise(0, 0.1);
    std::vector<widgets::ComparedRun> out;
    for (int r = 0; r < runs; ++r) {
        widgets::ComparedRun run;
        run.id = r + 1;
        run.name = QStringLiteral("run-%1").arg(r);
        run.config = compare::flattenConfig(
            nlohmann::json{{"seed", r}, {"lambda", seeds ? 0.1 : 0.001 * (r + 1)}}.dump());
        auto& p = run.series["loss/total"];
        p.reserve(static_cast<std::size_t>(points));
        for (int s = 0; s < points; ++s) {
            const double x = s / double(points);
            p.push_back({s, 3.0 * x, 2 + 2 * std::exp(-5 * x) + 0.05 * r + noise(rng), 1000.0 + 0.25 * s});
        }
        out.push_back(std::move(run));
    }
    return out;
}

int makeStore(const std::filesystem::path& file) {
    if (std::filesystem::exists(file)) {
        std::fprintf(stderr, "bench_compare: %s exists; remove it first\n", file.c_str());
        return 1;
    }
    store::RunStore st(file);
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0, 1);
    struct Kind {
        const char* method;
        double lambda;
        const char* row;
    };
    const Kind kinds[] = {{"sft", 0.0, ""}, {"flower", 0.001, "Flower λ=0.001"}, {"flower", 0.1, "Flower λ=0.1"}};
    const double start = store::unixNow() - 86400;
    int k = 0;
    for (const auto& kind : kinds) {
        for (int seed = 0; seed < 3; ++seed, ++k) {
            const std::string name = std::string(kind.method) + (kind.lambda > 0 ? "-l" + std::to_string(kind.lambda).substr(0, 5) : "") +
                                     "-s" + std::to_string(seed);
            nlohmann::json config = {{"name", name}, {"method", kind.method}, {"seed", seed},
                                     {"dataset", "synthetic:items=100"}, {"lambda", kind.lambda},
                                     {"max_steps", 2000}, {"optimizer", {{"lr", 1e-4}}},
                                     {"reward", {{"variant", "flow"}}},
                                     {"evaluation", {{"decoding", "beam"}, {"every_steps", 200}}}};
            if (*kind.row) config["table_row"] = kind.row;
            const auto id = st.createRun({name, config.dump(), kind.method, "synthetic:items=100", seed, "cpu"});
            st.startRun(id);
            store::RunWriter w(file, id);
            const int steps = seed == 2 ? 1400 + 100 * k : 2000;  // unequal lengths
            const double flower = kind.lambda > 0 ? 1.0 : 0.0;
            const double t0 = start + 3000.0 * k;
            for (int s = 0; s < steps; ++s) {
                const double x = s / 2000.0;
                const double sft = 1.6 + 1.6 * std::exp(-5 * x) + 0.04 * seed + 0.12 * noise(rng);
                const double subtb = flower * (0.8 * std::exp(-3 * x) + 0.05 * noise(rng));
                const double t = t0 + (0.6 + 0.3 * flower) * s;
                std::vector<store::NamedScalar> pts = {
                    {"loss/total", {s, 4 * x, sft + kind.lambda * 10 * subtb, t}},
                    {"loss/sft", {s, 4 * x, sft, t}},
                    {"lr", {s, 4 * x, 1e-4 * std::min(1.0, (s + 1) / 100.0), t}}};
                if (flower > 0) pts.push_back({"loss/subtb", {s, 4 * x, subtb, t}});
                if ((s + 1) % 200 == 0) {
                    pts.push_back({"valid/ndcg@5", {s, 4 * x, 0.02 + 0.01 * (1 - std::exp(-3 * x)) + 0.004 * flower + 0.001 * noise(rng), t}});
                }
                w.scalars(pts);
            }
            const double j = 0.02 - 0.012 * flower - 0.004 * (kind.lambda > 0.01) + 0.001 * seed;
            for (const char* level : {"title", "token"}) {
                const double f = std::string(level) == "title" ? 1.0 : 0.3;
                w.evaluation("valid", std::string("kl_tr_") + level, 0, steps - 1, 2.2 * j * f);
                w.evaluation("valid", std::string("kl_rt_") + level, 0, steps - 1, 1.9 * j * f);
                w.evaluation("valid", std::string("js_") + level, 0, steps - 1, j * f);
            }
            w.evaluation("test", "ndcg", 5, steps - 1, 0.03 + 0.003 * flower + 0.0005 * seed);
            w.evaluation("test", "hr", 5, steps - 1, 0.05 + 0.004 * flower + 0.0007 * seed);
            w.evaluation("test", "dgu", 10, steps - 1, 0.6 - 0.2 * flower - 0.01 * seed);
            w.evaluation("test", "mgu", 10, steps - 1, 0.09 - 0.03 * flower);
            w.evaluation("test", "entropy", 0, steps - 1, 8.0 + 0.6 * flower);
            w.evaluation("test", "ttr", 0, steps - 1, 0.2 + 0.1 * flower + 0.01 * seed);
            w.finish(store::RunStatus::Finished);
        }
    }
    std::printf("wrote %d runs to %s\n", k, file.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--make-store") == 0) return makeStore(argv[2]);
    if (argc >= 5 && std::strcmp(argv[1], "--snapshot") == 0) {
        QApplication app(argc, argv);
        widgets::ComparisonView view;
        view.resize(1400, 950);
        view.show();
        int computed = 0;
        QObject::connect(&view, &widgets::ComparisonView::computed, [&computed] { ++computed; });
        QList<qint64> ids;
        for (auto id : compare::parseRunIdList(argv[3])) ids << id;
        view.showRuns(QString::fromUtf8(argv[2]), ids);
        QEventLoop loop;
        const auto waitComputed = [&] {
            const int seen = computed;
            while (computed == seen) QApplication::processEvents(QEventLoop::WaitForMoreEvents);
        };
        waitComputed();
        if (argc >= 6) {
            view.setGroupKey(QString::fromUtf8(argv[5]));
            waitComputed();
        }
        if (argc >= 7 && std::strcmp(argv[6], "metrics") == 0) {
            view.findChild<QTabWidget*>("compareTabs")->setCurrentIndex(1);
        }
        for (int i = 0; i < 20; ++i) QApplication::processEvents();
        return view.grab().save(QString::fromUtf8(argv[4])) ? 0 : 1;
    }
    int reps = 7;
    if (argc == 3 && std::strcmp(argv[1], "--reps") == 0) reps = std::max(1, std::atoi(argv[2]));
    QApplication app(argc, argv);

    // Overlay: 20 runs × 100k points, one curve per run.
    {
        const auto runs = syntheticRuns(20, 100000, false);
        widgets::ComparisonPlot plot(QStringLiteral("loss/total"), QStringLiteral("loss"));
        plot.resize(900, 400);
        plot.show();
        QApplication::processEvents();
        widgets::RunPalette palette;
        std::vector<double> times, curveTimes, setTimes;
        for (int i = 0; i <= reps; ++i) {
            const auto t0 = Clock::now();
            auto plots = widgets::ComparisonWorker::curves(runs, {compare::XAlign::Step, 0.0, ""});
            const auto t1 = Clock::now();
            plot.setCurves(std::move(plots.front().curves), compare::XAlign::Step, widgets::BandMode::None, palette);
            const auto t2 = Clock::now();
            plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
            if (i > 0) {
                times.push_back(ms(t0, Clock::now()));
                curveTimes.push_back(ms(t0, t1));
                setTimes.push_back(ms(t1, t2));
            }
        }
        report("overlay 20 runs x 100k points (drawn)", times, 300);
        report("  of which curves (align, copy)", curveTimes, 300);
        report("  of which setCurves (envelopes, setData)", setTimes, 300);
    }
    // Aggregate: 5 seeds × 100k points into one group.
    {
        const auto runs = syntheticRuns(5, 100000, true);
        const widgets::ComparisonSettings settings{compare::XAlign::Step, 0.6, "lambda"};
        std::vector<double> compute;
        for (int i = 0; i <= reps; ++i) {
            const auto t0 = Clock::now();
            const auto plots = widgets::ComparisonWorker::curves(runs, settings);
            if (i > 0) compute.push_back(ms(t0, Clock::now()));
            if (plots.front().curves.size() != 1 || plots.front().curves[0].data.count[0] != 5) {
                std::fprintf(stderr, "bench_compare: unexpected grouping\n");
                return 1;
            }
        }
        report("aggregate 5 seeds x 100k (computation)", compute, 100);
        // Through the worker thread: compute() posted, result delivered to this thread.
        QObject receiver;
        QEventLoop loop;
        Clock::time_point t0;
        std::vector<double> threaded;
        bool loaded = false;
        widgets::ComparisonWorker worker(&receiver, {
            [&](std::vector<widgets::ComparedRun>, widgets::ComparedTables) { loaded = true; loop.quit(); },
            [&](int, std::vector<widgets::ComparedPlot>) {
                threaded.push_back(ms(t0, Clock::now()));
                loop.quit();
            },
            [&](const QString& m) { std::fprintf(stderr, "%s\n", qPrintable(m)); loop.quit(); }});
        // The worker reads runs from a store: write these five into a temporary one.
        const auto dir = std::filesystem::temp_directory_path() / ("bench-compare-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto file = dir / "runs.sqlite";
        {
            store::RunStore st(file);
            for (const auto& r : runs) {
                const auto id = st.createRun({r.name.toStdString(), R"({"lambda": 0.1, "seed": 0})", "flower", "synthetic", 0, "cpu"});
                store::RunWriter w(file, id, {std::chrono::milliseconds(250), 1u << 30, false});
                std::vector<store::NamedScalar> pts;
                for (const auto& p : r.series.at("loss/total")) pts.push_back({"loss/total", p});
                w.scalars(pts);
                w.finish(store::RunStatus::Finished);
            }
        }
        QList<qint64> ids = {1, 2, 3, 4, 5};
        const auto l0 = Clock::now();
        worker.load(QString::fromStdString(file.string()), ids);
        loop.exec();
        std::printf("%-46s %7.1f ms (5 runs x 100k points from SQLite)\n", "load on the worker", ms(l0, Clock::now()));
        if (!loaded) return 1;
        for (int i = 0; i <= reps; ++i) {
            t0 = Clock::now();
            worker.compute(settings);
            loop.exec();
        }
        threaded.erase(threaded.begin());
        report("aggregate 5 seeds x 100k (worker round trip)", threaded, 100);
        std::filesystem::remove_all(dir);
    }
    return 0;
}
