// `flower export --series` and `flower export --plot` run as a user would (issue 18): series
// that read back to the values written here, x ranges, and plots drawn headless whose files are
// what they claim (PDF page count, PNG size from its header, SVG root), with the errors a user
// can cause. Plot cases need libflower_plot_commands.so (a GUI build).
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>

using flower::test::runProcess;
using namespace flower::store;
namespace fs = std::filesystem;

namespace {

// Run 1: loss/total and loss/sft at steps 0..9 (value 10/(step+1)), a histogram and
// evaluations at step 9. Run 2: loss/total only.
fs::path makeStore(const fs::path& dir) {
    const fs::path file = dir / "runs.sqlite";
    RunStore store(file);
    const auto a = store.createRun(NewRun{"with-evals", "{}", "flower", "synthetic", 0, "cpu"});
    {
        RunWriter w(file, a);
        for (int step = 0; step < 10; ++step) {
            w.scalar("loss/total", step, 10.0 / (step + 1), step / 5.0, 5000 + step);
            w.scalar("loss/sft", step, 5.0 / (step + 1), step / 5.0, 5000 + step);
        }
        const std::vector<double> bins{0.4, 0.3, 0.2, 0.1};
        w.histogram("groups_recommended", 9, bins);
        w.evaluation("valid", "ndcg", 5, 9, 0.125);
        w.finish(RunStatus::Finished);
    }
    const auto b = store.createRun(NewRun{"loss-only", "{}", "sft", "synthetic", 0, "cpu"});
    RunWriter w(file, b);
    w.scalar("loss/total", 0, 4.0, 0, 6000);
    w.scalar("loss/total", 1, 3.0, 0.5, 6001);
    w.finish(RunStatus::Finished);
    return file;
}

std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int pdfPages(const std::string& pdf) {
    const std::regex page("/Type\\s*/Page[^s\\w]");
    return static_cast<int>(std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page), std::sregex_iterator()));
}

std::uint32_t bigEndian(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

}  // namespace

class TestCliExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seriesCsvReadsBack();
    void seriesJsonWithRange();
    void seriesErrors();
    void plotPdfPages();
    void plotPngAndSvg();
    void plotErrors();
};

void TestCliExport::seriesCsvReadsBack() {
    flower::test::TempDir dir("cli-series");
    const fs::path db = makeStore(dir.path());
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1-2", "--series", "--format", "csv",
                               "--out", "-", "--db", db.string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    std::istringstream in(r.out);
    std::string line;
    std::getline(in, line);
    QCOMPARE(line, std::string("run,key,step,epoch,wall_time,value"));
    int rows = 0;
    RunStore store(db);
    while (std::getline(in, line)) {
        std::istringstream l(line);
        std::string run, key, step, epoch, time, value;
        std::getline(l, run, ',');
        std::getline(l, key, ',');
        std::getline(l, step, ',');
        std::getline(l, epoch, ',');
        std::getline(l, time, ',');
        std::getline(l, value, ',');
        // Each row equals the store's point (values are the doubles written above).
        const auto points = store.readSeries(std::stoll(run), key);
        const auto& p = points.at(static_cast<std::size_t>(std::stoll(step)));
        QCOMPARE(p.step, std::stoll(step));
        QVERIFY(std::strtod(value.c_str(), nullptr) == p.value);
        QVERIFY(std::strtod(epoch.c_str(), nullptr) == p.epoch);
        QVERIFY(std::strtod(time.c_str(), nullptr) == p.wallTime);
        ++rows;
    }
    QCOMPARE(rows, 10 + 10 + 2);
    QVERIFY(r.out.find("\n1,loss/total,2,0.4,5002,3.3333333333333335\n") != std::string::npos);
}

void TestCliExport::seriesJsonWithRange() {
    flower::test::TempDir dir("cli-series-json");
    const fs::path db = makeStore(dir.path());
    const fs::path out = dir.path() / "s.json";
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--series", "loss/sft", "--x", "epoch",
                               "--from", "1", "--to", "1.4", "--format", "json", "--out", out.string(), "--db",
                               db.string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(readFile(out));
    // epoch = step / 5: steps 5, 6, 7 lie in [1, 1.4].
    QCOMPARE(j.at("runs").at(0).at("series").at("loss/sft").at("step").dump(), std::string("[5,6,7]"));
    QCOMPARE(j.at("runs").at(0).at("series").size(), std::size_t{1});
    QCOMPARE(j.at("range").at("axis").get<std::string>(), std::string("epoch"));
}

void TestCliExport::seriesErrors() {
    flower::test::TempDir dir("cli-series-errors");
    const fs::path db = makeStore(dir.path());
    const auto bad = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--series", "loss/none", "--format",
                                 "csv", "--out", "-", "--db", db.string()});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.find("\"loss/none\"") != std::string::npos, bad.err.c_str());
    const auto md = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--series", "--format", "md", "--out",
                                "-", "--db", db.string()});
    QCOMPARE(md.exitCode, 1);
    QVERIFY2(md.err.find("csv or json") != std::string::npos, md.err.c_str());
    const auto png = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--format", "png", "--out", "x.png",
                                 "--db", db.string()});
    QCOMPARE(png.exitCode, 1);
    QVERIFY2(png.err.find("--plot") != std::string::npos, png.err.c_str());
}

void TestCliExport::plotPdfPages() {
#ifndef FLOWER_HAS_PLOT_LIBRARY
    QSKIP("built without the GUI: no plot library");
#endif
    flower::test::TempDir dir("cli-plot-pdf");
    const fs::path db = makeStore(dir.path());
    const fs::path out = dir.path() / "loss.pdf";
    // No QT_QPA_PLATFORM and no display: the library chooses the offscreen platform itself.
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1,2", "--plot", "loss", "--format", "pdf",
                               "--out", out.string(), "--db", db.string()},
                              {{"QT_QPA_PLATFORM", flower::test::kUnset}, {"DISPLAY", flower::test::kUnset},
                               {"WAYLAND_DISPLAY", flower::test::kUnset}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    QCOMPARE(r.out, "wrote " + out.string() + "\n");
    const std::string pdf = readFile(out);
    QVERIFY(pdf.rfind("%PDF-", 0) == 0);
    QCOMPARE(pdfPages(pdf), 2);  // one page per run
    // Metrics: run 1 has one evaluation metric (NDCG).
    const fs::path metrics = dir.path() / "metrics.pdf";
    const auto m = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--plot", "metrics", "--format", "pdf",
                               "--out", metrics.string(), "--db", db.string()});
    QVERIFY2(m.exitCode == 0, m.err.c_str());
    QCOMPARE(pdfPages(readFile(metrics)), 1);
}

void TestCliExport::plotPngAndSvg() {
#ifndef FLOWER_HAS_PLOT_LIBRARY
    QSKIP("built without the GUI: no plot library");
#endif
    flower::test::TempDir dir("cli-plot-png");
    const fs::path db = makeStore(dir.path());
    const fs::path png = dir.path() / "groups.png";
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--plot", "histogram", "--format", "png",
                               "--unit", "px", "--width", "800", "--height", "450", "--dpi", "120", "--out",
                               png.string(), "--db", db.string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const std::string image = readFile(png);
    QVERIFY(image.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    QCOMPARE(bigEndian(image, 16), 800u);  // IHDR width, height
    QCOMPARE(bigEndian(image, 20), 450u);
    // mm at a DPI: 50.8 mm = 2 in → 600 px at 300 dpi.
    const auto mm = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--plot", "loss", "--format", "png",
                                "--width", "50.8", "--height", "25.4", "--out", png.string(), "--db", db.string()});
    QVERIFY2(mm.exitCode == 0, mm.err.c_str());
    QCOMPARE(bigEndian(readFile(png), 16), 600u);
    QCOMPARE(bigEndian(readFile(png), 20), 300u);
    const fs::path svg = dir.path() / "loss.svg";
    const auto s = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--plot", "loss", "--format", "svg",
                               "--out", svg.string(), "--db", db.string()});
    QVERIFY2(s.exitCode == 0, s.err.c_str());
    const std::string text = readFile(svg);
    QVERIFY(std::regex_search(text, std::regex("^(<\\?xml[^>]*>\\s*)?<svg[\\s>]")));
    QVERIFY(text.find("Loss by term") != std::string::npos);
}

void TestCliExport::plotErrors() {
#ifndef FLOWER_HAS_PLOT_LIBRARY
    QSKIP("built without the GUI: no plot library");
#endif
    flower::test::TempDir dir("cli-plot-errors");
    const fs::path db = makeStore(dir.path());
    const auto none = runProcess({FLOWER_CLI_PATH, "export", "--runs", "2", "--plot", "divergence", "--format",
                                  "pdf", "--out", (dir.path() / "d.pdf").string(), "--db", db.string()});
    QCOMPARE(none.exitCode, 1);
    QVERIFY2(none.err.find("run 2 has no KL / JS divergences") != std::string::npos, none.err.c_str());
    QVERIFY(!fs::exists(dir.path() / "d.pdf"));
    const auto missing = runProcess({FLOWER_CLI_PATH, "export", "--runs", "7", "--plot", "loss", "--format", "pdf",
                                     "--out", (dir.path() / "m.pdf").string(), "--db", db.string()});
    QCOMPARE(missing.exitCode, 1);
    QCOMPARE(missing.err, "flower: error: " + db.string() + ": no run with id 7\n");
    const auto csv = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--plot", "loss", "--format", "csv",
                                 "--out", "-", "--db", db.string()});
    QCOMPARE(csv.exitCode, 1);
    QVERIFY2(csv.err.find("png, svg or pdf") != std::string::npos, csv.err.c_str());
}

FLOWER_TEST_MAIN(TestCliExport, seriesCsvReadsBack, seriesJsonWithRange, seriesErrors, plotPdfPages, plotPngAndSvg,
                 plotErrors)
#ifdef FLOWER_TEST_QT
#include "test_cli_export.moc"
#endif
