// RunListModel over a store built in the test: columns from the runs and their stored config,
// key figures from the series, sorting by any column through the proxy (numbers as numbers,
// missing figures last), the filter (name, method, tags, notes), tags and notes edited in place
// (written to the store), status and figures following a writer that appends while the model
// polls, and RunStore::deleteRun removing a run's rows and folder.
#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/store_location.h"
#include "core/util/error.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/run_filter_proxy.h"
#include "widgets/run_list_model.h"

#include <nlohmann/json.hpp>

#include <QSignalSpy>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

using flower::store::RunStatus;
using flower::store::RunStore;
using flower::widgets::RunFilterProxy;
using flower::widgets::RunListModel;
namespace fs = std::filesystem;

namespace {

std::int64_t addRun(RunStore& store, const std::string& name, const std::string& method,
                    double lambda, std::int64_t seed) {
    flower::run::ExperimentConfig c;
    c.name = name;
    c.method = method == "sft" ? flower::run::Method::Sft : flower::run::Method::Flower;
    c.lambda = lambda;
    c.seed = seed;
    c.maxSteps = 100;
    return store.createRun({name, c.toJson().dump(), method, c.dataset, seed, "cpu"});
}

QString cell(const QAbstractItemModel& m, int row, int column) {
    return m.index(row, column).data().toString();
}

QStringList columnOf(const QAbstractItemModel& m, int column) {
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r) out << cell(m, r, column);
    return out;
}

}  // namespace

class TestRunListModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsRunsWithTheirFigures();
    void sortsAndFilters();
    void editsTagsAndNotesInTheStore();
    void followsAWriterThatAppends();
    void deleteRunRemovesRowsAndFolder();
};

void TestRunListModel::showsRunsWithTheirFigures() {
    flower::test::TempDir dir("run-list");
    const fs::path file = dir.path() / "runs.sqlite";
    RunStore store(file);
    const auto a = addRun(store, "alpha", "flower", 0.1, 3);
    const auto b = addRun(store, "beta", "sft", INFINITY, 4);
    store.startRun(a);
    {
        flower::store::RunWriter w(file, a);
        w.scalar("loss/total", 1, 2.5);
        w.scalar("loss/total", 2, 1.5);
        w.scalar("valid/loss", 2, 0.9);
        w.scalar("valid/loss", 4, 0.7);
        w.scalar("valid/loss", 6, 0.8);  // best = min = 0.7
        w.divergence(flower::store::DivergenceLevel::Title, flower::store::DivergenceKind::Js, 2, 0.3);
        w.divergence(flower::store::DivergenceLevel::Title, flower::store::DivergenceKind::Js, 4, 0.2);
        w.divergence(flower::store::DivergenceLevel::Token, flower::store::DivergenceKind::Js, 6, 0.9);
        w.finish(RunStatus::Finished);
    }
    RunListModel model(nullptr, 50);
    QSignalSpy updated(&model, &RunListModel::rowsUpdated);
    model.setStore(QString::fromStdString(file.string()));
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(cell(model, 0, RunListModel::Name), QStringLiteral("alpha"));
    QCOMPARE(cell(model, 0, RunListModel::Method), QStringLiteral("flower"));
    QCOMPARE(cell(model, 0, RunListModel::Reward), QStringLiteral("flow"));
    QCOMPARE(cell(model, 0, RunListModel::Lambda), QStringLiteral("0.1"));
    QCOMPARE(cell(model, 0, RunListModel::Seed), QStringLiteral("3"));
    QCOMPARE(cell(model, 0, RunListModel::Status), QStringLiteral("finished"));
    QCOMPARE(cell(model, 0, RunListModel::LastLoss), QStringLiteral("1.5"));
    QCOMPARE(cell(model, 0, RunListModel::BestMetric), QStringLiteral("0.7"));
    QCOMPARE(cell(model, 0, RunListModel::TitleJs), QStringLiteral("0.2"));  // title, last step
    QVERIFY(!cell(model, 0, RunListModel::Started).isEmpty());
    QCOMPARE(cell(model, 1, RunListModel::Status), QStringLiteral("queued"));
    // SFT has no SubTB term: no reward variant, no λ.
    QCOMPARE(cell(model, 1, RunListModel::Lambda), QStringLiteral("—"));
    QCOMPARE(cell(model, 1, RunListModel::Reward), QStringLiteral("—"));
    QVERIFY(cell(model, 1, RunListModel::LastLoss).isEmpty());
    QVERIFY(cell(model, 1, RunListModel::Started).isEmpty());
    QCOMPARE(model.queued(), 1);
    QCOMPARE(model.running(), 0);
    (void)b;
}

void TestRunListModel::sortsAndFilters() {
    flower::test::TempDir dir("run-list-sort");
    const fs::path file = dir.path() / "runs.sqlite";
    RunStore store(file);
    // Seeds 10, 9, 100: text order would put 100 between 10 and 9.
    const auto a = addRun(store, "flower-a", "flower", 0.5, 10);
    const auto b = addRun(store, "sft-b", "sft", 0.01, 9);
    const auto c = addRun(store, "flower-c", "flower", 2, 100);
    store.addTag(b, "baseline");
    store.setNotes(c, "the Long run");
    for (const auto& [id, loss] : {std::pair{a, 3.0}, std::pair{c, 0.5}}) {
        store.startRun(id);
        flower::store::RunWriter w(file, id);
        w.scalar("loss/total", 1, loss);
        w.finish(RunStatus::Finished);
    }
    RunListModel model(nullptr, 50);
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    model.setStore(QString::fromStdString(file.string()));
    QTRY_COMPARE(model.rowCount(), 3);
    QTRY_COMPARE(cell(model, 2, RunListModel::LastLoss), QStringLiteral("0.5"));

    proxy.sort(RunListModel::Seed, Qt::AscendingOrder);
    QCOMPARE(columnOf(proxy, RunListModel::Seed), (QStringList{"9", "10", "100"}));
    proxy.sort(RunListModel::Lambda, Qt::DescendingOrder);
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"flower-c", "flower-a", "sft-b"}));
    proxy.sort(RunListModel::LastLoss, Qt::AscendingOrder);  // b has no loss: last
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"flower-c", "flower-a", "sft-b"}));
    proxy.sort(RunListModel::Name, Qt::AscendingOrder);
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"flower-a", "flower-c", "sft-b"}));

    proxy.setFilterText("flower");
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"flower-a", "flower-c"}));
    proxy.setFilterText("BASELINE");  // a tag, any case
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"sft-b"}));
    proxy.setFilterText("long flower");  // every word: a note and the method
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"flower-c"}));
    proxy.setFilterText("sft");
    QCOMPARE(columnOf(proxy, RunListModel::Name), (QStringList{"sft-b"}));
    proxy.setFilterText("nothing-like-this");
    QCOMPARE(proxy.rowCount(), 0);
    proxy.setFilterText("");
    QCOMPARE(proxy.rowCount(), 3);
}

void TestRunListModel::editsTagsAndNotesInTheStore() {
    flower::test::TempDir dir("run-list-edit");
    const fs::path file = dir.path() / "runs.sqlite";
    std::int64_t id = 0;
    {
        RunStore store(file);
        id = addRun(store, "one", "flower", 0.1, 1);
        store.addTag(id, "old");
    }
    RunListModel model(nullptr, 50);
    model.setStore(QString::fromStdString(file.string()));
    QTRY_COMPARE(model.rowCount(), 1);
    QVERIFY(model.flags(model.index(0, RunListModel::Tags)) & Qt::ItemIsEditable);
    QVERIFY(!(model.flags(model.index(0, RunListModel::Name)) & Qt::ItemIsEditable));
    QVERIFY(model.setData(model.index(0, RunListModel::Tags), " paper, baseline ,paper", Qt::EditRole));
    QVERIFY(model.setData(model.index(0, RunListModel::Notes), "lr too high", Qt::EditRole));
    RunStore store(file);
    QCOMPARE(store.tags(id), (std::vector<std::string>{"baseline", "paper"}));
    QCOMPARE(store.run(id).notes, std::string("lr too high"));
    QCOMPARE(cell(model, 0, RunListModel::Tags), QStringLiteral("baseline, paper"));
}

void TestRunListModel::followsAWriterThatAppends() {
    flower::test::TempDir dir("run-list-live");
    const fs::path file = dir.path() / "runs.sqlite";
    std::int64_t id = 0;
    {
        RunStore store(file);
        id = addRun(store, "live", "flower", 0.1, 1);
    }
    RunListModel model(nullptr, 30);
    model.setStore(QString::fromStdString(file.string()));
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(cell(model, 0, RunListModel::Status), QStringLiteral("queued"));

    // Another thread (its own connections) plays a trainer: start, append, finish.
    std::atomic<int> stage{0};
    std::thread writer([&] {
        RunStore store(file);
        store.startRun(id);
        stage = 1;
        flower::store::WriterOptions options;
        flower::store::RunWriter w(file, id, options);
        for (int step = 1; step <= 40; ++step) {
            w.scalar("loss/total", step, 10.0 / step);
            if (step % 10 == 0) w.flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            if (step == 20) {
                w.flush();
                stage = 2;
                while (stage != 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        w.finish(RunStatus::Finished);
    });
    QTRY_VERIFY_WITH_TIMEOUT(cell(model, 0, RunListModel::Status).startsWith("running"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(stage == 2, 5000);
    // Step 20 of max_steps 100: the status shows the progress; the loss is 10/20.
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, 0, RunListModel::LastLoss), QStringLiteral("0.5"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(cell(model, 0, RunListModel::Status).contains("20%"), 5000);
    QCOMPARE(model.index(0, RunListModel::Status).data(Qt::ToolTipRole).toString(),
             QStringLiteral("step 20 of 100"));
    QCOMPARE(model.running(), 1);
    stage = 3;
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, 0, RunListModel::Status), QStringLiteral("finished"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, 0, RunListModel::LastLoss), QStringLiteral("0.25"), 5000);
    writer.join();
    QCOMPARE(model.running(), 0);
    // A run added by another process appears too.
    {
        RunStore store(file);
        addRun(store, "later", "sft", 1, 2);
    }
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 5000);
}

void TestRunListModel::deleteRunRemovesRowsAndFolder() {
    flower::test::TempDir dir("run-delete");
    const fs::path file = dir.path() / "runs.sqlite";
    RunStore store(file);
    const auto keep = addRun(store, "keep", "flower", 0.1, 1);
    const auto gone = addRun(store, "gone", "flower", 0.1, 2);
    for (const auto id : {keep, gone}) {
        store.startRun(id);
        flower::store::RunWriter w(file, id);
        w.scalar("loss/total", 1, 1.0);
        w.finish(RunStatus::Finished);
        fs::create_directories(flower::store::runDirectory(file, id) / "last");
        std::ofstream(flower::store::runDirectory(file, id) / "last" / "config.json") << "{}";
    }
    const auto running = addRun(store, "running", "flower", 0.1, 3);
    store.startRun(running);
    QVERIFY_THROWS_EXCEPTION(flower::Error, store.deleteRun(running));
    store.deleteRun(gone);
    QVERIFY(!store.findRun(gone));
    QVERIFY(!fs::exists(flower::store::runDirectory(file, gone)));
    QVERIFY(fs::exists(flower::store::runDirectory(file, keep) / "last" / "config.json"));
    QVERIFY(store.readSeries(gone, "loss/total").empty());  // cascaded
    QCOMPARE(store.readSeries(keep, "loss/total").size(), std::size_t{1});
    QVERIFY(store.seriesKeys(gone).empty());
    QVERIFY_THROWS_EXCEPTION(flower::Error, store.deleteRun(gone));
}

FLOWER_GUI_TEST_MAIN(TestRunListModel, showsRunsWithTheirFigures, sortsAndFilters,
                     editsTagsAndNotesInTheStore, followsAWriterThatAppends,
                     deleteRunRemovesRowsAndFolder)
#include "test_run_list_model.moc"
