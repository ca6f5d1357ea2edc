// monitor_snapshot — renders the run monitor offscreen and saves one PNG per tab, in the light
// and the dark palette, for looking at it (documentation, review). Without --store it first
// writes a realistic synthetic Flower run (600 steps: losses with noise, warm-up then cosine
// learning rate, gradient norm, tokens/s; an evaluation every 100 steps with the group
// histograms, title/token divergences sampled and exact, NDCG/HR/DGU/MGU/entropy/TTR, and 24
// generated titles) into a temporary store.
// Usage: monitor_snapshot OUTDIR [--store FILE --run ID] [--size WxH]  (a --store FILE that does
// not exist receives the synthetic run, as run 1, and is kept)
// Writes OUTDIR/monitor-<tab>-<light|dark>.png and export-{plots,series}-dialog-<light|dark>.png.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "widgets/export_dialog.h"
#include "widgets/run_monitor.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QSlider>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QMouseEvent>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace flower;

namespace {

std::int64_t writeSyntheticRun(const std::string& file) {
    store::RunStore s(file);
    const std::string config = R"({"name": "rq1-synthetic", "method": "flower", "max_steps": 600,
        "evaluation": {"every_steps": 100}})";
    const auto id = s.createRun({"rq1-synthetic · flower λ=0", config, "flower",
                                 "synthetic:items=100,users=2000", 27, "cpu"});
    s.startRun(id);
    store::RunWriter w(file, id, {std::chrono::milliseconds(250), 1u << 30, false});
    std::uint32_t rng = 5;
    auto noise = [&rng] {
        rng = rng * 1664525u + 1013904223u;
        return static_cast<double>(rng >> 8) / (1 << 24) - 0.5;
    };
    const double t0 = store::unixNow() - 600 * 0.31;
    const int steps = 600;
    for (int st = 0; st < steps; ++st) {
        const double x = st / static_cast<double>(steps);
        const double wall = t0 + 0.31 * st + 0.02 * noise();
        const double epoch = st / 95.0;
        const double subtb = 0.35 + 18.0 * std::exp(-9 * x) + (0.25 + 2 * std::exp(-9 * x)) * noise();
        const double sft = 2.6 + 1.7 * std::exp(-5 * x) + 0.18 * noise();
        const double lr = st < 20 ? 1e-3 * (st + 1) / 20.0
                                  : 1e-4 + 0.5 * (1e-3 - 1e-4) * (1 + std::cos(M_PI * (st - 20) / (steps - 20.0)));
        double grad = 0.9 + 3.5 * std::exp(-7 * x) + 0.35 * std::abs(noise());
        if (st == 233 || st == 391) grad *= 4;  // spikes a researcher wants to see
        const std::vector<store::NamedScalar> group = {
            {"loss/total", {st, epoch, subtb + 0.1 * sft, wall}},
            {"loss/sft", {st, epoch, sft, wall}},
            {"loss/subtb", {st, epoch, subtb, wall}},
            {"lr", {st, epoch, lr, wall}},
            {"grad_norm", {st, epoch, grad, wall}},
            {"tokens_per_s", {st, epoch, 2650 + 260 * noise() - (st % 100 == 0 ? 900 : 0), wall}},
            {"step_seconds", {st, epoch, 0.31, wall}},
        };
        w.scalars(group);
        if ((st + 1) % 100 == 0) {
            const int e = st + 1;
            const double q = std::exp(-3.0 * e / steps);
            std::vector<double> history(8), target(8), rec(8);
            double hs = 0, ts = 0, rs = 0;
            for (int g = 0; g < 8; ++g) {
                history[g] = std::exp(-0.42 * g);
                target[g] = std::exp(-0.38 * g);
                rec[g] = std::exp(-(0.38 + 0.9 * q) * g);
                hs += history[g];
                ts += target[g];
                rs += rec[g];
            }
            double dmax = -1, dmin = 1, mean = 0;
            for (int g = 0; g < 8; ++g) {
                history[g] /= hs;
                target[g] /= ts;
                rec[g] /= rs;
                const double d = rec[g] - history[g];
                dmax = std::max(dmax, d);
                dmin = std::min(dmin, d);
                mean += std::abs(d) / 8;
            }
            w.histogram("groups_recommended", e, rec);
            w.histogram("groups_history", e, history);
            w.histogram("groups_target", e, target);
            using L = store::DivergenceLevel;
            using K = store::DivergenceKind;
            const double js = 0.004 + 0.25 * q * q, kl1 = 0.01 + 0.9 * q * q, kl2 = 0.008 + 0.6 * q * q;
            w.divergence(L::Title, K::Js, e, js * (1 + 0.1 * noise()));
            w.divergence(L::Title, K::KlTargetPolicy, e, kl1 * (1 + 0.1 * noise()));
            w.divergence(L::Title, K::KlPolicyTarget, e, kl2 * (1 + 0.1 * noise()));
            w.divergence(L::Token, K::Js, e, 0.6 * js * (1 + 0.1 * noise()));
            w.divergence(L::Token, K::KlTargetPolicy, e, 0.6 * kl1 * (1 + 0.1 * noise()));
            w.divergence(L::Token, K::KlPolicyTarget, e, 0.6 * kl2 * (1 + 0.1 * noise()));
            for (const char* level : {"title", "token"}) {
                const double f = std::strcmp(level, "title") == 0 ? 1.0 : 0.6;
                const std::string suffix = std::string("_") + level + "_exact";
                for (const auto& [name, v] : {std::pair{"js", js}, {"kl_tr", kl1}, {"kl_rt", kl2}}) {
                    w.scalar("valid/" + std::string(name) + suffix, e, 0.85 * f * v, epoch, wall + 2);
                    w.evaluation("valid", std::string(name) + suffix, 0, e, 0.85 * f * v);
                }
            }
            w.evaluation("valid", "loss", 0, e, subtb);
            w.scalar("valid/loss", e, subtb * 1.08 + 0.05, epoch, wall + 2);
            for (int k : {5, 10}) {
                w.evaluation("valid", "ndcg", k, e, (0.012 + 0.02 * (1 - q)) * (k == 10 ? 1.25 : 1));
                w.evaluation("valid", "hr", k, e, (0.02 + 0.035 * (1 - q)) * (k == 10 ? 1.6 : 1));
                w.evaluation("valid", "dgu", k, e, dmax - dmin + 0.002 * k);
                w.evaluation("valid", "mgu", k, e, mean + 0.0005 * k);
            }
            w.evaluation("valid", "entropy", 10, e, 5.2 + 0.8 * (1 - q));
            w.evaluation("valid", "ttr", 10, e, 0.31 + 0.12 * (1 - q));
            if (e == steps) {
                const char* titles[] = {"The Matrix", "Toy Story", "Heat", "Alien", "Casablanca",
                                        "Vertigo", "Amelie", "Fargo", "Up", "Jaws", "Rocky",
                                        "Se7en", "Memento", "Psycho", "Brazil", "Ran",
                                        "Tron Legacy Reloaded", "Blade Runner", "Gattaca", "Big",
                                        "The Thing", "Heat Wave Returns", "Her", "Sicario"};
                for (int i = 0; i < 24; ++i) {
                    const bool valid = i != 16 && i != 21;
                    w.sample(e, i % 4, titles[i], valid, valid ? -1.2 - 0.35 * i + 0.2 * noise() : -14.5);
                }
            }
        }
    }
    w.finish(store::RunStatus::Finished);
    return id;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    p.setColor(QPalette::WindowText, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2c));
    p.setColor(QPalette::Text, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::Button, QColor(0x3a, 0x3d, 0x41));
    p.setColor(QPalette::ButtonText, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xf0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x41));
    p.setColor(QPalette::ToolTipText, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8d, 0x91));
    return p;
}

void settle(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    if (argc < 2) {
        std::fprintf(stderr, "usage: monitor_snapshot OUTDIR [--store FILE --run ID] [--size WxH]\n");
        return 2;
    }
    const QString outDir = QString::fromLocal8Bit(argv[1]);
    QDir().mkpath(outDir);
    QString storeFile;
    qint64 runId = 0;
    int width = 1400;
    int height = 860;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--store") == 0) storeFile = QString::fromLocal8Bit(argv[i + 1]);
        else if (std::strcmp(argv[i], "--run") == 0) runId = std::atoll(argv[i + 1]);
        else if (std::strcmp(argv[i], "--size") == 0) std::sscanf(argv[i + 1], "%dx%d", &width, &height);
    }
    QTemporaryDir temp;
    try {
        if (storeFile.isEmpty()) {
            storeFile = temp.filePath("runs.sqlite");
            runId = writeSyntheticRun(storeFile.toStdString());
        } else if (!QFileInfo::exists(storeFile)) {
            // A store to keep (for `flower export --plot` and the export dialog to look at).
            runId = writeSyntheticRun(storeFile.toStdString());
            std::printf("wrote run %lld to %s\n", static_cast<long long>(runId), qPrintable(storeFile));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "monitor_snapshot: %s\n", e.what());
        return 1;
    }
    const QPalette light = QApplication::style()->standardPalette();
    for (const auto& [name, palette] : {std::pair{QString("light"), light}, {QString("dark"), darkPalette()}}) {
        QApplication::setPalette(palette);
        widgets::RunMonitor monitor;
        monitor.resize(width, height);
        monitor.setPollIntervalMs(50);
        bool caught = false;
        QObject::connect(&monitor, &widgets::RunMonitor::caughtUp, [&caught] { caught = true; });
        monitor.show();
        monitor.showRun(storeFile, runId);
        for (int i = 0; i < 200 && !caught; ++i) settle(25);
        for (const char* tab : {"training", "groups", "divergences", "evaluation", "samples", "diagnostics"}) {
            monitor.showTab(tab);
            settle(150);  // layout, queued replots
            const QString file = QString("%1/monitor-%2-%3.png").arg(outDir, tab, name);
            if (!monitor.grab().save(file)) {
                std::fprintf(stderr, "monitor_snapshot: cannot write %s\n", qPrintable(file));
                return 1;
            }
            std::printf("%s\n", qPrintable(file));
        }
        // The crosshair read-out: the mouse over the loss plot at 40% of its width.
        {
            monitor.showTab("training");
            settle(100);
            QWidget* lossPlot = monitor.findChild<QWidget*>("lossPlot")->findChild<QWidget*>("plot");
            const QPointF at(lossPlot->width() * 0.4, lossPlot->height() * 0.5);
            QMouseEvent move(QEvent::MouseMove, at, lossPlot->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                             Qt::NoModifier);
            QCoreApplication::sendEvent(lossPlot, &move);
            settle(100);
            const QString file = QString("%1/monitor-training-crosshair-%2.png").arg(outDir, name);
            if (!monitor.grab().save(file)) return 1;
            std::printf("%s\n", qPrintable(file));
        }
        // The training tab again against time, unsmoothed, with the loss on a log scale.
        monitor.showTab("training");
        monitor.findChild<QComboBox*>("xAxisCombo")->setCurrentIndex(2);
        monitor.findChild<QSlider*>("smoothingSlider")->setValue(0);
        monitor.findChild<QCheckBox*>("logLossCheck")->setChecked(true);
        settle(150);
        const QString file = QString("%1/monitor-training-time-log-%2.png").arg(outDir, name);
        if (!monitor.grab().save(file)) return 1;
        std::printf("%s\n", qPrintable(file));
        // The export dialogs (issue 18) on this monitor's plots and run.
        {
            widgets::ExportDialog plots(monitor.exportablePlots(), monitor.exportTitle(), &monitor);
            plots.show();
            settle(100);
            const QString dialog = QString("%1/export-plots-dialog-%2.png").arg(outDir, name);
            if (!plots.grab().save(dialog)) return 1;
            std::printf("%s\n", qPrintable(dialog));
            const store::SeriesRange zoom{store::SeriesAxis::Step, 120, 480};
            widgets::ExportDialog series(storeFile, monitor.exportRuns(), zoom, &monitor);
            series.show();
            settle(100);
            const QString seriesFile = QString("%1/export-series-dialog-%2.png").arg(outDir, name);
            if (!series.grab().save(seriesFile)) return 1;
            std::printf("%s\n", qPrintable(seriesFile));
        }
    }
    return 0;
}
