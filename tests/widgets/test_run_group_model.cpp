// RunGroupModel and RunListView over a store with a sweep: the sweep is one group row at the
// place of its first member, its runs are its children in the sort order, the group's cells
// (name with the varied keys, status counts, common values or "…"), the filter reaching into
// groups, a selection following its run through a rebuild, a selected group standing for its
// runs, and the suggested group-by keys (varied keys without seed).
#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/run_filter_proxy.h"
#include "widgets/run_group_model.h"
#include "widgets/run_list_model.h"
#include "widgets/run_list_view.h"

#include <nlohmann/json.hpp>

#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPersistentModelIndex>
#include <QTreeView>

#include <filesystem>

using flower::store::RunStore;
using flower::widgets::RunFilterProxy;
using flower::widgets::RunGroupModel;
using flower::widgets::RunListModel;
using flower::widgets::RunListView;
namespace fs = std::filesystem;

namespace {

std::int64_t addRun(RunStore& store, const std::string& name, double lambda, std::int64_t seed,
                    std::optional<std::int64_t> sweep = {}, const std::string& point = "") {
    flower::run::ExperimentConfig c;
    c.name = name;
    c.lambda = lambda;
    c.seed = seed;
    flower::store::NewRun run;
    run.name = name;
    run.configJson = c.toJson().dump();
    run.method = "flower";
    run.dataset = c.dataset;
    run.seed = seed;
    run.sweepId = sweep;
    run.sweepPoint = point;
    return store.createRun(run);
}

QString cell(const QAbstractItemModel& m, const QModelIndex& parent, int row, int column) {
    return m.index(row, column, parent).data().toString();
}

struct Fixture {
    flower::test::TempDir dir{"run-groups"};
    fs::path file = dir.path() / "runs.sqlite";
    std::int64_t sweep = 0;
    std::vector<std::int64_t> members;
    std::int64_t first = 0;
    std::int64_t last = 0;

    Fixture() {
        RunStore store(file);
        first = addRun(store, "alone-a", 0.5, 9);
        flower::store::NewSweep s;
        s.name = "ls";
        s.variedKeys = {"lambda", "seed"};
        sweep = store.createSweep(s);
        for (const double lambda : {0.1, 1.0}) {
            for (const int seed : {1, 2}) {
                const std::string point = "lambda=" + QString::number(lambda).toStdString() +
                                          ",seed=" + std::to_string(seed);
                members.push_back(addRun(store, "ls/" + point, lambda, seed, sweep, point));
            }
        }
        last = addRun(store, "alone-b", 0.5, 9);
    }
};

}  // namespace

class TestRunGroupModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sweepIsOneGroupRow();
    void filterReachesIntoGroups();
    void selectionFollowsItsRun();
    void selectedGroupStandsForItsRuns();
};

void TestRunGroupModel::sweepIsOneGroupRow() {
    Fixture f;
    RunListModel model(nullptr, 50);
    model.setStore(QString::fromStdString(f.file.string()));
    QTRY_COMPARE(model.rowCount(), 6);
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    RunGroupModel groups(&proxy, &model);
    groups.sort(RunListModel::Id, Qt::AscendingOrder);
    QCOMPARE(groups.rowCount(), 3);  // alone-a, the sweep, alone-b
    QCOMPARE(cell(groups, {}, 0, RunListModel::Name), QStringLiteral("alone-a"));
    const QModelIndex group = groups.index(1, 0);
    QVERIFY(groups.isGroup(group));
    QCOMPARE(cell(groups, {}, 1, RunListModel::Name), QStringLiteral("ls  (4 runs: lambda × seed)"));
    QCOMPARE(cell(groups, {}, 1, RunListModel::Id), QStringLiteral("sweep %1").arg(f.sweep));
    QCOMPARE(cell(groups, {}, 1, RunListModel::Status), QStringLiteral("4 queued"));
    QCOMPARE(cell(groups, {}, 1, RunListModel::Method), QStringLiteral("flower"));  // common
    QCOMPARE(cell(groups, {}, 1, RunListModel::Lambda), QStringLiteral("…"));       // varied
    QCOMPARE(group.data(RunListModel::RunIdRole).toLongLong(), qint64(0));
    QCOMPARE(group.data(RunGroupModel::SweepIdRole).toLongLong(), qint64(f.sweep));
    QCOMPARE(cell(groups, {}, 2, RunListModel::Name), QStringLiteral("alone-b"));
    QCOMPARE(groups.rowCount(group), 4);
    QCOMPARE(cell(groups, group, 0, RunListModel::Name), QStringLiteral("ls/lambda=0.1,seed=1"));
    QCOMPARE(cell(groups, group, 3, RunListModel::Name), QStringLiteral("ls/lambda=1,seed=2"));
    QCOMPARE(groups.index(2, 0, group).data(RunGroupModel::SweepIdRole).toLongLong(), qint64(f.sweep));
    QCOMPARE(groups.parent(groups.index(2, 0, group)), group);
    QCOMPARE(groups.rowCount(groups.index(0, 0)), 0);  // a single run has no children
    // Sorted the other way: the group comes before alone-a, its children reversed.
    groups.sort(RunListModel::Id, Qt::DescendingOrder);
    QCOMPARE(cell(groups, {}, 0, RunListModel::Name), QStringLiteral("alone-b"));
    QVERIFY(groups.isGroup(groups.index(1, 0)));
    QCOMPARE(cell(groups, groups.index(1, 0), 0, RunListModel::Name), QStringLiteral("ls/lambda=1,seed=2"));
    // What the comparison gets: every run of the sweep in id order, grouped by λ.
    QList<qint64> expected;
    for (const auto id : f.members) expected << id;
    QCOMPARE(groups.sweepRuns(f.sweep), expected);
    QCOMPARE(groups.groupByKeys(f.sweep), QStringList{QStringLiteral("lambda")});
}

void TestRunGroupModel::filterReachesIntoGroups() {
    Fixture f;
    RunListModel model(nullptr, 50);
    model.setStore(QString::fromStdString(f.file.string()));
    QTRY_COMPARE(model.rowCount(), 6);
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    RunGroupModel groups(&proxy, &model);
    groups.sort(RunListModel::Id, Qt::AscendingOrder);
    proxy.setFilterText(QStringLiteral("seed=2"));
    QCOMPARE(groups.rowCount(), 1);
    const QModelIndex group = groups.index(0, 0);
    QVERIFY(groups.isGroup(group));
    QCOMPARE(groups.rowCount(group), 2);
    QCOMPARE(cell(groups, group, 0, RunListModel::Name), QStringLiteral("ls/lambda=0.1,seed=2"));
    QCOMPARE(cell(groups, group, 1, RunListModel::Name), QStringLiteral("ls/lambda=1,seed=2"));
    QCOMPARE(cell(groups, {}, 0, RunListModel::Name), QStringLiteral("ls  (2 runs: lambda × seed)"));
    proxy.setFilterText(QStringLiteral("alone"));
    QCOMPARE(groups.rowCount(), 2);
    QVERIFY(!groups.isGroup(groups.index(0, 0)));
}

// A run added by another process rebuilds the tree; the selected child stays selected.
void TestRunGroupModel::selectionFollowsItsRun() {
    Fixture f;
    RunListModel model(nullptr, 50);
    RunListView view(&model);
    model.setStore(QString::fromStdString(f.file.string()));
    QTRY_COMPARE(model.rowCount(), 6);
    QTreeView* tree = view.table();
    RunGroupModel* groups = view.groups();
    // Newest first (the view's default): alone-b, the sweep, alone-a.
    QCOMPARE(groups->rowCount(), 3);
    const QModelIndex group = groups->index(1, 0);
    QVERIFY(groups->isGroup(group));
    const QModelIndex child = groups->index(1, 0, group);  // ls/lambda=1,seed=1
    QCOMPARE(child.data(RunListModel::RunIdRole).toLongLong(), qint64(f.members[2]));
    tree->expand(group);
    tree->selectionModel()->setCurrentIndex(child, QItemSelectionModel::ClearAndSelect |
                                                       QItemSelectionModel::Rows);
    {
        RunStore store(f.file);
        addRun(store, "alone-c", 0.5, 9);
    }
    QTRY_COMPARE(model.rowCount(), 7);
    QCOMPARE(groups->rowCount(), 4);
    const QModelIndex current = tree->selectionModel()->currentIndex();
    QCOMPARE(current.data(RunListModel::RunIdRole).toLongLong(), qint64(f.members[2]));
    QVERIFY(tree->isExpanded(current.parent()));
    QCOMPARE(view.selectedRuns(), QList<qint64>{f.members[2]});
}

void TestRunGroupModel::selectedGroupStandsForItsRuns() {
    Fixture f;
    RunListModel model(nullptr, 50);
    RunListView view(&model);
    model.setStore(QString::fromStdString(f.file.string()));
    QTRY_COMPARE(model.rowCount(), 6);
    const QModelIndex group = view.groups()->index(1, 0);
    QVERIFY(view.groups()->isGroup(group));
    view.table()->selectionModel()->setCurrentIndex(group, QItemSelectionModel::ClearAndSelect |
                                                               QItemSelectionModel::Rows);
    QList<qint64> ids = view.selectedRuns();
    std::sort(ids.begin(), ids.end());
    QList<qint64> expected;
    for (const auto id : f.members) expected << id;
    QCOMPARE(ids, expected);
}

FLOWER_GUI_TEST_MAIN(TestRunGroupModel, sweepIsOneGroupRow, filterReachesIntoGroups,
                     selectionFollowsItsRun, selectedGroupStandsForItsRuns)
#include "test_run_group_model.moc"
