// The flow explorer tab (offscreen): the tree model's rows and values are FlowTable's children
// of each node (a five-title catalogue with hand-checked flows), the search box jumps to a
// title's path, the graph shows the selected state's children with edge widths ∝ flow and a
// click descends, exports write real PNG/SVG/PDF files, and an experiment builds on the worker
// (root flow = the histories' length, counted here) or fails with the core's message.
#include "widgets/flow_explorer_view.h"
#include "widgets/flow_graph_view.h"
#include "widgets/flow_tree_model.h"

#include "core/data/synthetic_catalog.h"
#include "core/run/resource_locator.h"
#include "core/util/paths.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"

#include <QFile>
#include <QGraphicsItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QTreeView>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

using namespace flower;
using flow::FlowExplorer;
using flow::FlowTable;
using flow::TitleTrie;
using text::TokenId;
using widgets::FlowExplorerView;
using widgets::FlowGraphView;
using widgets::FlowTreeModel;
using Ids = std::vector<TokenId>;
using State = FlowExplorer::State;

namespace {
// Token 1 "The", 2 " Cat", 3 " Hat", 4 " Dog", 5 "Zoo", 6 " 2"; rewards 3, 1, 4, 2, 0.
const std::map<TokenId, std::string> kText = {{0, "\n"},   {1, "The"}, {2, " Cat"}, {3, " Hat"},
                                              {4, " Dog"}, {5, "Zoo"}, {6, " 2"}};
const std::vector<std::string> kTitles = {"The Cat", "The Cat Hat", "The Dog", "Zoo", "Zoo 2"};
const std::vector<Ids> kTokens = {{1, 2}, {1, 2, 3}, {1, 4}, {5}, {5, 6}};
const std::vector<double> kRewards = {3, 1, 4, 2, 0};

std::shared_ptr<const FlowExplorer> tiny() {
    std::vector<flow::TitleItem> items;
    for (std::size_t i = 0; i < kTitles.size(); ++i) items.push_back({static_cast<std::int64_t>(i), kTitles[i]});
    auto trie = std::make_shared<const TitleTrie>(TitleTrie::fromTokens(items, kTokens, 0));
    auto flows = std::make_shared<const FlowTable>(*trie, kRewards);
    return std::make_shared<const FlowExplorer>(trie, flows, 1, [](std::span<const TokenId> ids) {
        std::string s;
        for (const TokenId id : ids) s += kText.at(id);
        return s;
    });
}

QByteArray head(const QString& file, int n) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.read(n);
}
}  // namespace

class TestFlowExplorerView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelEqualsFlowTable();
    void searchJumpsToTitle();
    void graphShowsSelectedChildren();
    void clickOnChildDescends();
    void exportsWriteFiles();
    void emptyStateExplains();
    void buildsExperimentOnWorker();
    void badExperimentShowsMessage();
};

// Every node, walked through the model: its rows are FlowTable's children of that trie node
// (same nodes, F, p, log reward), largest flow first.
void TestFlowExplorerView::modelEqualsFlowTable() {
    const auto e = tiny();
    FlowTreeModel m;
    m.setExplorer(e);
    QCOMPARE(m.columnCount(), int{FlowTreeModel::ColumnCount});
    std::vector<QModelIndex> todo{QModelIndex()};
    int visited = 0;
    while (!todo.empty()) {
        const QModelIndex parent = todo.back();
        todo.pop_back();
        const flow::NodeId node = m.stateOf(parent).node;
        const auto expected = e->flows().children(node);
        QCOMPARE(m.rowCount(parent), static_cast<int>(expected.size()));
        QCOMPARE(m.hasChildren(parent), !expected.empty());
        double previous = INFINITY;
        std::set<flow::NodeId> seen;
        for (int r = 0; r < m.rowCount(parent); ++r) {
            const QModelIndex i = m.index(r, 0, parent);
            QCOMPARE(m.parent(i), parent);
            const State s = m.stateOf(i);
            const auto it = std::find_if(expected.begin(), expected.end(),
                                         [&](const FlowTable::Child& c) { return c.node == s.node; });
            QVERIFY(it != expected.end());
            seen.insert(s.node);
            const double f = m.index(r, FlowTreeModel::FlowColumn, parent).data(FlowTreeModel::ValueRole).toDouble();
            const double p = m.index(r, FlowTreeModel::ProbabilityColumn, parent).data(FlowTreeModel::ValueRole).toDouble();
            const double lr = m.index(r, FlowTreeModel::LogRewardColumn, parent).data(FlowTreeModel::ValueRole).toDouble();
            QCOMPARE(f, it->flow);
            QCOMPARE(p, it->probability);
            QVERIFY(lr == it->logReward || std::abs(lr - it->logReward) < 1e-12);
            QVERIFY(f <= previous);
            previous = f;
            QCOMPARE(m.indexOf(s), i);
            todo.push_back(i);
            ++visited;
        }
        QCOMPARE(seen.size(), expected.size());
    }
    QCOMPARE(visited, 11);  // every node but the root
    // Root rows by hand: "The" 8 (p 0.8), "Zoo" 2 (p 0.2); ⊤ and −∞ shown as such.
    QCOMPARE(m.index(0, 0).data().toString(), QString("“The”"));
    QCOMPARE(m.index(0, FlowTreeModel::ProbabilityColumn).data().toString(), QString("0.8000"));
    QCOMPARE(m.index(0, FlowTreeModel::TitlesColumn).data().toLongLong(), 3LL);
    const QModelIndex zoo = m.index(1, 0);
    QCOMPARE(zoo.data().toString(), QString("“Zoo”"));
    QCOMPARE(m.index(0, 0, zoo).data().toString(), QString("⊤"));
    QCOMPARE(m.index(1, FlowTreeModel::LogRewardColumn, zoo).data().toString(), QString("−∞"));
}

// Typing "CAT H" lists "The Cat Hat" alone; Enter selects its end state, with the path
// root › The › Cat › Hat › ⊤ in the breadcrumb and the tree's current row on it.
void TestFlowExplorerView::searchJumpsToTitle() {
    FlowExplorerView v;
    v.resize(1300, 700);
    v.setExplorer(tiny());
    v.show();
    QTest::keyClicks(v.searchBox(), "CAT H");
    QCOMPARE(v.searchHits()->count(), 1);
    QVERIFY(v.searchHits()->item(0)->text().startsWith("The Cat Hat"));
    QTest::keyClick(v.searchBox(), Qt::Key_Return);
    const State end = v.explorer()->titleState(1);
    QCOMPARE(v.currentState(), end);
    QCOMPARE(v.treeModel()->stateOf(v.treeView()->currentIndex()), end);
    const QString crumbs = v.breadcrumb()->text();
    QVERIFY2(crumbs.contains("“The”") && crumbs.contains("“ Cat”") && crumbs.contains("“ Hat”") &&
                 crumbs.contains("<b>⊤</b>"),
             qPrintable(crumbs));
    QVERIFY(v.details()->toPlainText().contains("The Cat Hat"));
    // "zoo": two hits, Zoo (reward 2) first; no match says so.
    v.searchBox()->setText("zoo");
    QCOMPARE(v.searchHits()->count(), 2);
    QVERIFY(v.searchHits()->item(0)->text().startsWith("Zoo   "));
    v.searchBox()->setText("xyz");
    QCOMPARE(v.searchHits()->count(), 0);
}

// Selecting "The" in the tree: the graph's boxes are "The" and its children " Cat", " Dog"
// (p 0.5 each, so edges of half the widest width); the details list both.
void TestFlowExplorerView::graphShowsSelectedChildren() {
    FlowExplorerView v;
    v.resize(1300, 700);
    v.setExplorer(tiny());
    v.show();
    // The root first: "The" and "Zoo", edges 0.8 and 0.2 of the widest.
    QCOMPARE(v.graphView()->shownChildren().size(), std::size_t{2});
    QVERIFY(std::abs(v.graphView()->edgeWidth(0) - 0.8 * FlowGraphView::kMaxEdgeWidth) < 1e-9);
    QVERIFY(std::abs(v.graphView()->edgeWidth(1) - 0.2 * FlowGraphView::kMaxEdgeWidth) < 1e-9);
    const QModelIndex the = v.treeModel()->index(0, 0);
    v.treeView()->setCurrentIndex(the);
    const auto shown = v.graphView()->shownChildren();
    const auto expected = v.explorer()->childStates(v.treeModel()->stateOf(the));
    QCOMPARE(shown, expected);
    const QStringList texts = v.graphView()->boxTexts();
    QCOMPARE(texts.size(), 3);
    QCOMPARE(texts[0], QString("“The”"));
    QCOMPARE(texts[1], QString("“ Cat”"));
    QCOMPARE(texts[2], QString("“ Dog”"));
    QVERIFY(std::abs(v.graphView()->edgeWidth(0) - 0.5 * FlowGraphView::kMaxEdgeWidth) < 1e-9);
    const QString details = v.details()->toPlainText();
    QVERIFY2(details.contains("Children (2)") && details.contains("0.5000"), qPrintable(details));
}

// A click on the " Dog" box selects "The Dog"; a click on the parent box climbs back.
void TestFlowExplorerView::clickOnChildDescends() {
    FlowExplorerView v;
    v.resize(1300, 700);
    v.setExplorer(tiny());
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const State the = v.explorer()->childStates(v.explorer()->root())[0];
    v.selectState(the);
    const State dog{v.explorer()->trie().find(Ids{1, 4}), false};
    const auto clickOn = [&](State target, const QString& kind) {
        for (QGraphicsItem* item : v.graphView()->scene()->items()) {
            if (item->data(1).toString() == kind &&
                FlowExplorer::fromKey(item->data(0).value<quint64>()) == target) {
                const QPoint at = v.graphView()->mapFromScene(item->sceneBoundingRect().center());
                QTest::mouseClick(v.graphView()->viewport(), Qt::LeftButton, {}, at);
                return true;
            }
        }
        return false;
    };
    QVERIFY(clickOn(dog, "child"));
    QCOMPARE(v.currentState(), dog);
    QVERIFY(clickOn(the, "parent"));
    QCOMPARE(v.currentState(), the);
}

void TestFlowExplorerView::exportsWriteFiles() {
    flower::test::TempDir dir;
    FlowExplorerView v;
    v.resize(1300, 700);
    v.setExplorer(tiny());
    v.show();
    const auto file = [&](const char* name) { return QString::fromStdString((dir.path() / name).string()); };
    QCOMPARE(v.exportGraph(file("g.png")), QString());
    QCOMPARE(head(file("g.png"), 8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    QCOMPARE(v.exportGraph(file("g.svg")), QString());
    QVERIFY(head(file("g.svg"), 400).contains("<svg"));
    QCOMPARE(v.exportGraph(file("g.pdf")), QString());
    QCOMPARE(head(file("g.pdf"), 5), QByteArray("%PDF-"));
    QVERIFY(v.exportGraph(file("g.bmpx")).contains("unknown format"));
}

void TestFlowExplorerView::emptyStateExplains() {
    FlowExplorerView v;
    QVERIFY(v.statusText().contains("No experiment is loaded"));
    // A source without a valid experiment: said, not silently empty.
    v.setConfigSource([] { return std::optional<run::ExperimentConfig>(); });
    QSignalSpy failed(&v, &FlowExplorerView::buildFailed);
    v.show();
    QCOMPARE(failed.size(), 1);
    QVERIFY(v.statusText().contains("no valid experiment"));
}

// A synthetic 60-item catalogue through the worker: the titles are the catalogue's distinct
// titles, F(root) the number of history entries of the train rows (each is one count), and every
// title is found by search.
void TestFlowExplorerView::buildsExperimentOnWorker() {
    if (!std::filesystem::exists(util::defaultTokenizerPath())) {
        QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    }
    run::ExperimentConfig config;
    config.dataset = "synthetic:items=60,users=200,seed=3";
    config.promptTemplate = "bigrec";
    const auto dataset = data::generateSynthetic(run::parseSyntheticSpec(config.dataset)).dataset;
    std::set<std::string> titles(dataset.catalog.titles().begin(), dataset.catalog.titles().end());
    double histories = 0;
    for (const auto& row : dataset.train.rows()) histories += static_cast<double>(row.history.size());

    FlowExplorerView v;
    QSignalSpy ready(&v, &FlowExplorerView::explorerReady);
    v.loadExperiment(config);
    QVERIFY(v.isBuilding());
    QVERIFY(v.statusText().contains("Building the prefix tree"));
    QVERIFY(ready.wait(30000));
    QCOMPARE(v.explorer()->trie().titleCount(), titles.size());
    QCOMPARE(v.explorer()->flow(v.explorer()->root()), histories);
    QVERIFY(v.statusText().contains("60 titles") || v.statusText().contains(QString::number(titles.size()) + " titles"));
    const std::string first = *titles.begin();
    v.searchBox()->setText(QString::fromStdString(first));
    QVERIFY(v.searchHits()->count() >= 1);
    QTest::keyClick(v.searchBox(), Qt::Key_Return);
    QCOMPARE(v.explorer()->node(v.currentState()).text, first + " ⊤");
}

void TestFlowExplorerView::badExperimentShowsMessage() {
    run::ExperimentConfig config;
    config.dataset = "/nonexistent/dataset-folder";
    FlowExplorerView v;
    QSignalSpy failed(&v, &FlowExplorerView::buildFailed);
    v.loadExperiment(config);
    QVERIFY(failed.wait(30000));
    QVERIFY2(v.statusText().contains("could not be built") && v.statusText().contains("dataset"),
             qPrintable(v.statusText()));
}

FLOWER_GUI_TEST_MAIN(TestFlowExplorerView, modelEqualsFlowTable, searchJumpsToTitle,
                     graphShowsSelectedChildren, clickOnChildDescends, exportsWriteFiles,
                     emptyStateExplains, buildsExperimentOnWorker, badExperimentShowsMessage)
#include "test_flow_explorer_view.moc"
