// ComparisonView (issue 18) on a store built here: curves per run and per group (the group
// means against hand-computed values, "λ=0.1 (n=2)"), one colour per run across plots, the
// hyper-parameter table's hidden equal columns, row ↔ curve linking, the metrics tables
// (best bold, copy), and a missing run (offscreen platform).
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/comparison_plot.h"
#include "widgets/comparison_view.h"
#include "widgets/hyper_parameter_model.h"

#include "widgets/custom_plot.h"

#include <QClipboard>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>

#include <nlohmann/json.hpp>

#include <cmath>

using namespace flower;
using widgets::ComparisonPlot;
using widgets::ComparisonView;

namespace {

struct Fixture {
    std::filesystem::path file;
    QList<qint64> ids;
};

// Four Flower runs: λ 0.1 (seeds 0, 1) and λ 0.2 (seeds 0, 1), loss/total of unequal lengths.
Fixture makeStore(const std::string& name) {
    Fixture f;
    f.file = test::freshFolder(name) / "runs.sqlite";
    store::RunStore st(f.file);
    struct R {
        const char* name;
        double lambda;
        int seed;
        std::vector<double> loss;  // at steps 0, 1, 2, …
        double ndcg;
    };
    const std::vector<R> runs = {{"a0", 0.1, 0, {1, 2, 3, 4}, 0.03},
                                 {"a1", 0.1, 1, {3, 6}, 0.05},
                                 {"b0", 0.2, 0, {5, 6, 9}, 0.02},
                                 {"b1", 0.2, 1, {7, 7, 7}, 0.02}};
    for (const auto& r : runs) {
        const nlohmann::json config = {{"name", r.name}, {"method", "flower"}, {"lambda", r.lambda},
                                       {"seed", r.seed}, {"dataset", "synthetic:items=4"},
                                       {"table_row", r.lambda < 0.15 ? "F0.1" : "F0.2"},
                                       {"evaluation", {{"decoding", "beam"}}}};
        const auto id = st.createRun({r.name, config.dump(), "flower", "synthetic:items=4", r.seed, "cpu"});
        store::RunWriter w(f.file, id);
        for (std::size_t s = 0; s < r.loss.size(); ++s) {
            const auto step = static_cast<std::int64_t>(s);
            w.scalar("loss/total", step, r.loss[s], 0.5 * double(s), 100.0 + double(s));
            w.scalar("loss/sft", step, 1.0, 0.5 * double(s), 100.0 + double(s));
        }
        w.evaluation("test", "ndcg", 5, 3, r.ndcg);
        w.evaluation("valid", "js_title", 0, 3, r.lambda);
        w.finish(store::RunStatus::Finished);
        f.ids << id;
    }
    return f;
}

bool showAndWait(ComparisonView& v, const Fixture& f) {
    v.resize(1200, 900);
    v.show();
    v.setSmoothing(0.0);  // the tests' values are raw unless they say otherwise
    QSignalSpy computed(&v, &ComparisonView::computed);
    QSignalSpy loaded(&v, &ComparisonView::loaded);
    v.showRuns(QString::fromStdString(f.file.string()), f.ids);
    return QTest::qWaitFor([&] { return !computed.isEmpty() && !loaded.isEmpty(); }, 10000);
}

bool recomputed(ComparisonView& v, const std::function<void()>& change) {
    QSignalSpy computed(&v, &ComparisonView::computed);
    change();
    return QTest::qWaitFor([&] { return !computed.isEmpty(); }, 10000);
}

const widgets::ComparedCurve* curve(ComparisonPlot* p, const QString& key) {
    for (const auto& c : p->curves()) {
        if (c.key == key) return &c;
    }
    return nullptr;
}

int curveIndex(ComparisonPlot* p, const QString& key) {
    for (std::size_t i = 0; i < p->curves().size(); ++i) {
        if (p->curves()[i].key == key) return int(i);
    }
    return -1;
}

}  // namespace

class TestComparisonView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneCurvePerRunWithStableColours();
    void groupsAggregateSeeds();
    void hyperParameterColumns();
    void rowsAndCurvesAreLinked();
    void metricsTables();
    void missingRunSaysSo();
};

void TestComparisonView::oneCurvePerRunWithStableColours() {
    const Fixture f = makeStore("compare-runs");
    ComparisonView v;
    QVERIFY(showAndWait(v, f));
    ComparisonPlot* loss = v.plotFor("loss/total");
    ComparisonPlot* sft = v.plotFor("loss/sft");
    QVERIFY(loss && sft);
    QCOMPARE(v.plots().front(), loss);  // the total loss first
    QCOMPARE(loss->curves().size(), std::size_t(4));
    QCOMPARE(loss->curves()[0].label, QStringLiteral("#%1 a0").arg(f.ids[0]));
    QCOMPARE(loss->curves()[1].data.mean, (std::vector<double>{3, 6}));
    QCOMPARE(loss->lineGraph(1)->dataCount(), 2);
    // The same run has the same colour in every plot, and keeps it when the curves are rebuilt.
    const QString key = QStringLiteral("run:%1").arg(f.ids[2]);
    const QColor c = loss->lineGraph(curveIndex(loss, key))->pen().color();
    QCOMPARE(sft->lineGraph(curveIndex(sft, key))->pen().color(), c);
    QVERIFY(loss->lineGraph(0)->pen().color() != c);
    QVERIFY(recomputed(v, [&] { v.setSmoothing(0.5); }));
    QCOMPARE(v.plotFor("loss/total")->lineGraph(curveIndex(v.plotFor("loss/total"), key))->pen().color(), c);
    // Smoothed per run: b0 5, 6, 9 with w = 0.5 → 5, (0.5 · 2.5 + 0.5 · 6) / (1 − 0.25).
    const auto* b0 = curve(v.plotFor("loss/total"), key);
    QCOMPARE(b0->data.mean[0], 5.0);
    QCOMPARE(b0->data.mean[1], (0.5 * 2.5 + 3.0) / 0.75);
    QCOMPARE(v.exportablePlots().size(), qsizetype(2));
}

// λ = 0.1: a0 1 2 3 4, a1 3 6 → means 2, 4, 3, 4 (counts 2 2 1 1), std √2 at step 0.
// λ = 0.2: b0 5 6 9, b1 7 7 7 → means 6, 6.5, 8.
void TestComparisonView::groupsAggregateSeeds() {
    const Fixture f = makeStore("compare-groups");
    ComparisonView v;
    QVERIFY(showAndWait(v, f));
    QCOMPARE(v.groupKeys(), (QStringList{"lambda", "seed", "table_row"}));
    QVERIFY(recomputed(v, [&] { v.setGroupKey("lambda"); }));
    ComparisonPlot* loss = v.plotFor("loss/total");
    QCOMPARE(loss->curves().size(), std::size_t(2));
    const auto& a = loss->curves()[0];
    QCOMPARE(a.label, QStringLiteral("λ=0.1 (n=2)"));
    QVERIFY(a.aggregated);
    QCOMPARE(a.data.mean, (std::vector<double>{2, 4, 3, 4}));
    QCOMPARE(a.data.count, (std::vector<int>{2, 2, 1, 1}));
    QCOMPARE(a.data.stddev[0], std::sqrt(2.0));
    QCOMPARE(a.data.stddev[3], 0.0);
    QCOMPARE(loss->curves()[1].data.mean, (std::vector<double>{6, 6.5, 8}));
    QCOMPARE(loss->curves()[1].label, QStringLiteral("λ=0.2 (n=2)"));
    // The ±std band: two graphs around the mean line, filled between.
    QCOMPARE(loss->plot()->graphCount(), 6);
    QVERIFY(recomputed(v, [&] { v.setBandMode(widgets::BandMode::None); }));
    QCOMPARE(v.plotFor("loss/total")->plot()->graphCount(), 2);
}

void TestComparisonView::hyperParameterColumns() {
    const Fixture f = makeStore("compare-params");
    ComparisonView v;
    QVERIFY(showAndWait(v, f));
    auto* m = v.parameterModel();
    QCOMPARE(m->rowCount(), 4);
    // Run, then the differing keys: lambda, seed, table_row, and name last.
    QCOMPARE(m->columnCount(), 5);
    QCOMPARE(m->headerData(1, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("lambda"));
    QCOMPARE(m->headerData(4, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("name"));
    QCOMPARE(m->data(m->index(2, 1), Qt::DisplayRole).toString(), QStringLiteral("0.2"));
    QCOMPARE(m->equalColumnCount(), 3);  // dataset, evaluation.decoding, method
    m->setShowEqual(true);
    QCOMPARE(m->columnCount(), 8);
    QCOMPARE(m->headerData(5, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("dataset"));
}

void TestComparisonView::rowsAndCurvesAreLinked() {
    const Fixture f = makeStore("compare-link");
    ComparisonView v;
    QVERIFY(showAndWait(v, f));
    ComparisonPlot* loss = v.plotFor("loss/total");
    const int row = v.parameterModel()->rowOf(f.ids[2]);
    v.parameterTable()->selectRow(row);
    const int selected = curveIndex(loss, QStringLiteral("run:%1").arg(f.ids[2]));
    const int other = curveIndex(loss, QStringLiteral("run:%1").arg(f.ids[0]));
    QCOMPARE(loss->lineGraph(selected)->pen().widthF(), 3.0);
    QCOMPARE(loss->lineGraph(other)->pen().widthF(), 1.6);
    // Hovering a curve selects its run's row.
    Q_EMIT loss->curveHovered(QStringLiteral("run:%1").arg(f.ids[1]));
    const auto rows = v.parameterTable()->selectionModel()->selectedRows();
    QCOMPARE(rows.size(), qsizetype(1));
    QCOMPARE(rows[0].row(), v.parameterModel()->rowOf(f.ids[1]));
    // In groups: hovering a group's mean selects all its runs.
    QVERIFY(recomputed(v, [&] { v.setGroupKey("lambda"); }));
    Q_EMIT v.plotFor("loss/total")->curveHovered(QStringLiteral("group:lambda=0.2"));
    QCOMPARE(v.parameterTable()->selectionModel()->selectedRows().size(), qsizetype(2));
}

// Table 4: F0.1 NDCG@5 mean 0.04 ± 0.0141 (0.03, 0.05) beats F0.2 0.02 → bold.
void TestComparisonView::metricsTables() {
    const Fixture f = makeStore("compare-tables");
    ComparisonView v;
    QVERIFY(showAndWait(v, f));
    QTableWidget* t = v.metricsTable();
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->item(0, 0)->text(), QStringLiteral("F0.1"));
    QCOMPARE(t->item(0, 1)->text(), QStringLiteral("0.0400 ± 0.0141"));
    QVERIFY(t->item(0, 1)->font().bold());
    QVERIFY(!t->item(1, 1)->font().bold());
    QCOMPARE(t->item(1, 1)->text(), QStringLiteral("0.0200 ± 0.0000"));
    v.findChild<QPushButton*>("copy_markdown")->click();
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("**0.0400 ± 0.0141**")));
    v.findChild<QPushButton*>("copy_latex")->click();
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("\\toprule")));
    // Table 3: JS title = λ here; lower is better, so F0.1 is bold.
    v.showDivergenceTable(true);
    QCOMPARE(t->columnCount(), 7);
    QCOMPARE(t->item(0, 3)->text(), QStringLiteral("0.1000 ± 0.0000"));
    QVERIFY(t->item(0, 3)->font().bold());
    QCOMPARE(t->item(0, 1)->text(), QStringLiteral("–"));  // no KL stored
}

void TestComparisonView::missingRunSaysSo() {
    const Fixture f = makeStore("compare-missing");
    ComparisonView v;
    QSignalSpy failed(&v, &ComparisonView::loadFailed);
    v.showRuns(QString::fromStdString(f.file.string()), {f.ids[0], 99});
    QVERIFY(QTest::qWaitFor([&] { return !failed.isEmpty(); }, 10000));
    QVERIFY(failed.front().front().toString().contains("99"));
}

FLOWER_GUI_TEST_MAIN(TestComparisonView, oneCurvePerRunWithStableColours, groupsAggregateSeeds,
                     hyperParameterColumns, rowsAndCurvesAreLinked, metricsTables, missingRunSaysSo)
#include "test_comparison_view.moc"
