// flower-workbench as a user starts it:
//  - in a real X window under Xvfb: it maps a window of the expected size and paints it (the
//    screenshot is taken from the X server, not rendered by the widget);
//  - `--experiment … --run --screenshot …` under Xvfb trains a tiny run to its end, then saves a
//    screenshot that is not blank, and the store holds the finished run's points;
//  - SIGKILL during a run (offscreen) leaves the store sound (PRAGMA integrity_check) and the
//    run `interrupted`, and `flower resume` continues it from its last checkpoint to the end.
// QSettings go to a temporary XDG_CONFIG_HOME, so the user's window state is neither read nor
// written.
#include "core/store/run_store.h"
#include "tests/support/child_process.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <QImage>
#include <QSet>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace fs = std::filesystem;
using flower::store::RunStatus;
using flower::store::RunStore;

namespace {

// The RQ1 demo with a nano model and a few small steps.
fs::path writeTinyExperiment(const fs::path& dir, int steps, int checkpointEvery) {
    const fs::path file = dir / "tiny.json";
    std::ofstream(file) << R"({"extends": ")" << FLOWER_EXPERIMENTS_DIR << R"(/rq1-synthetic.json",
  "name": "tiny-demo", "model": "nano", "max_steps": )" << steps << R"(,
  "batch_size": 8, "micro_batch_size": 8, "checkpoint_every": )" << checkpointEvery << R"(,
  "evaluation": {"every_steps": 3, "samples": 48}, "early_stopping": {"patience": 0}})";
    return file;
}

bool hasXvfb() { return std::system("command -v xvfb-run >/dev/null 2>&1") == 0; }

// Distinct colours on a 4-pixel grid: a painted window has many, a blank one a few.
int colours(const QImage& image) {
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4) {
            seen.insert(image.pixel(x, y));
        }
    }
    return static_cast<int>(seen.size());
}

}  // namespace

class TestWorkbenchWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void showsRealWindowUnderXvfb();
    void runsTheDemoAndScreenshotsIt();
    void sigkillLeavesTheRunInterruptedAndResumable();
    void versionAndHelpWithoutADisplay();

private:
    std::unique_ptr<flower::test::TempDir> config_;
};

void TestWorkbenchWindow::initTestCase() {
    config_ = flower::test::isolateUserFolders("workbench-config");
}

void TestWorkbenchWindow::showsRealWindowUnderXvfb() {
    if (!hasXvfb()) {
        QSKIP("xvfb-run is not installed (scripts/setup.sh installs xvfb and xauth)");
    }
    flower::test::TempDir dir("workbench-window");
    const std::string png = (dir.path() / "window.png").string();
    const auto r = flower::test::runProcess(
        {"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24", FLOWER_WORKBENCH_PATH,
         "--store", (dir.path() / "runs.sqlite").string(), "--screenshot", png},
        {{"QT_QPA_PLATFORM", "xcb"}});
    QVERIFY2(r.exitCode == 0, (r.out + r.err).c_str());
    QImage image;
    QVERIFY(image.load(QString::fromStdString(png)));
    // The default size: 1440 × 900 bounded by 92% of the 1280 × 800 screen.
    QCOMPARE(image.width(), qRound(1280 * 0.92));
    QCOMPARE(image.height(), qRound(800 * 0.92));
    QVERIFY2(colours(image) > 8, qPrintable(QString::number(colours(image))));
}

void TestWorkbenchWindow::runsTheDemoAndScreenshotsIt() {
    if (!hasXvfb()) {
        QSKIP("xvfb-run is not installed (scripts/setup.sh installs xvfb and xauth)");
    }
    flower::test::TempDir dir("workbench-run");
    const fs::path store = dir.path() / "runs.sqlite";
    const fs::path experiment = writeTinyExperiment(dir.path(), 6, 3);
    // Keep a copy for people to look at (never committed): FLOWER_SCREENSHOT_DIR.
    const char* keep = std::getenv("FLOWER_SCREENSHOT_DIR");
    const std::string png = keep ? (fs::path(keep) / "workbench-run.png").string()
                                 : (dir.path() / "run.png").string();
    const auto r = flower::test::runProcess(
        {"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24", FLOWER_WORKBENCH_PATH,
         "--store", store.string(), "--experiment", experiment.string(), "--run", "--view", "runs",
         "--screenshot", png},
        {{"QT_QPA_PLATFORM", "xcb"}});
    QVERIFY2(r.exitCode == 0, (r.out + r.err).c_str());
    QImage image;
    QVERIFY(image.load(QString::fromStdString(png)));
    QVERIFY2(colours(image) > 16, qPrintable(QString::number(colours(image))));
    RunStore runs(store);
    const auto list = runs.listRuns();
    QCOMPARE(list.size(), std::size_t{1});
    QCOMPARE(list[0].name, std::string("tiny-demo"));
    QVERIFY(list[0].status == RunStatus::Finished);
    QCOMPARE(runs.readSeries(list[0].id, "loss/total").size(), std::size_t{6});
    // The shot waited for the monitor, whose plots hold the run's last step.
    const std::string shown = "monitor: run " + std::to_string(list[0].id) + " step 6";
    QVERIFY2(r.out.find(shown) != std::string::npos, (r.out + r.err).c_str());
    QVERIFY(!runs.divergences(list[0].id).empty());
}

void TestWorkbenchWindow::sigkillLeavesTheRunInterruptedAndResumable() {
    flower::test::TempDir dir("workbench-kill");
    const fs::path store = dir.path() / "runs.sqlite";
    const fs::path experiment = writeTinyExperiment(dir.path(), 30, 2);
    flower::test::Child child({FLOWER_WORKBENCH_PATH, "--store", store.string(), "--experiment",
                               experiment.string(), "--run"},
                              flower::test::Child::Stream::Stderr);
    // Wait for the first checkpoint row (the run is then `running` with a `last` to resume).
    std::int64_t id = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        try {
            RunStore runs(store, {.create = false, .readOnly = true});
            const auto list = runs.listRuns();
            if (!list.empty() && !runs.checkpoints(list[0].id).empty()) {
                id = list[0].id;
                break;
            }
        } catch (const std::exception&) {
            // the workbench is still creating the store
        }
    }
    QVERIFY2(id != 0, "no checkpoint within 120 s");
    child.kill();
    QCOMPARE(child.wait(), 128 + SIGKILL);
    {
        RunStore runs(store);  // read-write: marks runs of dead owners interrupted
        QCOMPARE(runs.integrityCheck(), std::string("ok"));
        const auto info = runs.run(id);
        QVERIFY(info.status == RunStatus::Interrupted);
        QVERIFY(info.error.has_value());
        QVERIFY(runs.readSeries(id, "loss/total").size() >= 2);
    }
    // What the user would type: `flower resume` continues it from its last checkpoint.
    const auto resumed = flower::test::runProcess(
        {FLOWER_CLI_PATH, "resume", std::to_string(id), "--db", store.string(), "--json"});
    QVERIFY2(resumed.exitCode == 0, (resumed.out + resumed.err).c_str());
    RunStore runs(store);
    QVERIFY(runs.run(id).status == RunStatus::Finished);
    const auto loss = runs.readSeries(id, "loss/total");
    QCOMPARE(loss.size(), std::size_t{30});  // steps 1..30, none missing or doubled
    for (std::size_t i = 0; i < loss.size(); ++i) {
        QCOMPARE(loss[i].step, static_cast<std::int64_t>(i + 1));
    }
}

// `flower-workbench --version` / `--help` on a machine without a display (ssh, CI) answer
// instead of aborting in the window system's plugin.
void TestWorkbenchWindow::versionAndHelpWithoutADisplay() {
    const std::map<std::string, std::string> noDisplay = {{"QT_QPA_PLATFORM", "xcb"},
                                                          {"DISPLAY", flower::test::kUnset},
                                                          {"WAYLAND_DISPLAY", flower::test::kUnset}};
    const auto version = flower::test::runProcess({FLOWER_WORKBENCH_PATH, "--version"}, noDisplay);
    QVERIFY2(version.exitCode == 0, (version.out + version.err).c_str());
    QVERIFY2(version.out.find("flower-workbench") != std::string::npos, version.out.c_str());
    const auto help = flower::test::runProcess({FLOWER_WORKBENCH_PATH, "--help"}, noDisplay);
    QVERIFY2(help.exitCode == 0, (help.out + help.err).c_str());
    for (const char* option : {"--store", "--experiment", "--run", "--view", "--screenshot",
                               "--stall-report", "--version"}) {
        QVERIFY2(help.out.find(option) != std::string::npos, option);
    }
}

FLOWER_TEST_MAIN(TestWorkbenchWindow, showsRealWindowUnderXvfb,
                 runsTheDemoAndScreenshotsIt, sigkillLeavesTheRunInterruptedAndResumable,
                 versionAndHelpWithoutADisplay)
#include "test_workbench_window.moc"
