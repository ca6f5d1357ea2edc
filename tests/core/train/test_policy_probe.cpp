// PolicyProbe against the model itself: a nano policy of a small synthetic BIGRec experiment
// (random weights, saved as a checkpoint folder here: config.json + weights, experiment.json,
// vocabulary_map.json) is probed, and every number is compared with a full forward of
// [prompt; prefix] computed here without a cache — the prompt being the training data's own
// (BigRecData of assembleRun), so the probe's prompt building is checked too:
//   - children's bars: softmax over the whole vocabulary at the last position, and the same
//     renormalised over the node's trie children (the constrained bars sum to 1);
//   - granularity 2: a chunk's probability is the product of its tokens' (teacher forced);
//   - a title: per-token probabilities, and the total = the sum of the per-token logs;
//   - the cache: stepping to a child costs one forward, climbing back none;
//   - bad inputs: a row outside its split, a tree the checkpoint's vocabulary lacks, an unknown
//     run of a store, a folder that is no checkpoint → flower::Error naming them.
// Needs the default tokenizer (scripts/setup.sh fetches it); skips without.
#include "core/data/dataset.h"
#include "core/flow/flow_explorer.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/bigrec_data.h"
#include "core/train/flow_explorer_assembly.h"
#include "core/train/policy_probe.h"
#include "core/train/run_assembly.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

using flower::flow::FlowExplorer;
using flower::run::ExperimentConfig;
using flower::text::TokenId;
using flower::train::PolicyProbe;
using flower::train::ProbePrompt;
using flower::train::Split;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> overrides(int granularity) {
    return {"model=nano", "device=cpu", "dtype=float32", "dataset=synthetic:items=60,users=150,seed=5,zipf=1.1",
            "reward.granularity=" + std::to_string(granularity)};
}

bool haveTokenizer() { return fs::exists(flower::util::defaultTokenizerPath()); }

ExperimentConfig config(int granularity = 1) {
    return ExperimentConfig::load(fs::path(FLOWER_EXPERIMENTS_DIR) / "demo.json", overrides(granularity));
}

// A random nano policy of `c` saved as a checkpoint folder `dir` the way training leaves one.
flower::train::RunAssembly writeCheckpoint(const ExperimentConfig& c, const fs::path& dir) {
    auto run = flower::train::assembleRun(c);
    fs::create_directories(dir);
    flower::model::saveQwen2(*run.model, dir);
    run.vocabulary->save(dir / "vocabulary_map.json");
    std::ofstream(dir / "experiment.json") << c.toJson().dump(2);
    return run;
}

// log-softmax of the last position of one full forward of `ids` (model ids), no cache.
std::vector<double> lastLogProbs(flower::model::Qwen2ForCausalLMImpl& model, const std::vector<TokenId>& ids) {
    torch::NoGradGuard noGrad;
    std::vector<std::int64_t> v(ids.begin(), ids.end());
    const auto T = static_cast<std::int64_t>(v.size());
    const at::Tensor logits = model.forward(torch::tensor(v, torch::kLong).view({1, T}));
    const at::Tensor lp = torch::log_softmax(logits[0][T - 1].to(torch::kDouble), -1).contiguous();
    return {lp.data_ptr<double>(), lp.data_ptr<double>() + lp.numel()};
}

bool near(double a, double b) { return std::abs(a - b) <= 2e-5 * std::max(1.0, std::abs(b)); }

template <typename F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const flower::Error& e) {
        return e.what();
    }
    return "(no error)";
}

struct Fixture {
    flower::test::TempDir dir{"policy-probe"};
    ExperimentConfig cfg = config();
    flower::train::RunAssembly run = writeCheckpoint(cfg, dir.path() / "last");
    FlowExplorer explorer = flower::train::openFlowExplorer(cfg);
    const flower::train::BigRecData& data = dynamic_cast<const flower::train::BigRecData&>(*run.data);

    TokenId toModel(TokenId id) const { return run.vocabulary->toCompact(id); }
    // The training prompt of a row + a prefix of tokenizer ids, in model ids.
    std::vector<TokenId> ids(Split split, std::int64_t row, std::span<const TokenId> prefix) const {
        const auto p = data.promptIds(split, row);
        std::vector<TokenId> out(p.begin(), p.end());
        for (const auto t : prefix) out.push_back(toModel(t));
        return out;
    }
};

// A state below the root with at least two children.
FlowExplorer::State branching(const FlowExplorer& e) {
    for (const auto& c : e.children(e.root())) {
        if (!c.terminates && e.children(c.state).size() >= 2) return c.state;
    }
    return e.root();
}

}  // namespace

class TestPolicyProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void barsEqualTheModelsSoftmax();
    void chunksMultiplyTheirTokens();
    void titleTotalIsTheSumOfItsTokens();
    void steppingToAChildCostsOneForward();
    void badInputsAreNamed();
};

void TestPolicyProbe::barsEqualTheModelsSoftmax() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    Fixture f;
    auto probe = PolicyProbe::open(f.dir.path() / "last");
    probe.checkCovers(f.explorer.trie());
    const std::int64_t row = 3;
    probe.setPrompt(ProbePrompt::datasetRow(Split::Test, row));
    const auto promptIds = probe.promptIds();
    const auto expectedPrompt = f.data.promptIds(Split::Test, row);
    QVERIFY(std::equal(promptIds.begin(), promptIds.end(), expectedPrompt.begin(), expectedPrompt.end()));

    for (const auto state : {f.explorer.root(), branching(f.explorer)}) {
        const auto children = f.explorer.children(state);
        std::vector<std::vector<TokenId>> chunks;
        for (const auto& c : children) chunks.push_back(c.tokens);
        const auto bars = probe.children(f.explorer.trie(), state.node, chunks);
        QCOMPARE(bars.size(), children.size());
        const auto lp = lastLogProbs(*f.run.model, f.ids(Split::Test, row, f.explorer.trie().prefix(state.node)));
        double inside = 0.0, constrainedSum = 0.0;
        for (const auto& c : children) inside += std::exp(lp[static_cast<std::size_t>(f.toModel(c.tokens[0]))]);
        for (std::size_t i = 0; i < children.size(); ++i) {
            const double p = std::exp(lp[static_cast<std::size_t>(f.toModel(children[i].tokens[0]))]);
            QVERIFY2(near(bars[i].vocabulary, p), (std::to_string(bars[i].vocabulary) + " vs " + std::to_string(p)).c_str());
            QVERIFY2(near(bars[i].constrained, p / inside),
                     (std::to_string(bars[i].constrained) + " vs " + std::to_string(p / inside)).c_str());
            constrainedSum += bars[i].constrained;
        }
        QVERIFY(std::abs(constrainedSum - 1.0) < 1e-9);
        QVERIFY(inside < 1.0);  // a random policy puts mass outside the tree
    }
    // A free-text prompt reaches the model too; the history-free one needs tokens this BIGRec
    // preset never read, which is said.
    const std::string historyFree = errorOf([&] { probe.setPrompt(ProbePrompt::historyFree()); });
    QVERIFY2(historyFree.find("history-free prompt") != std::string::npos, historyFree.c_str());
    QVERIFY2(historyFree.find("lacks") != std::string::npos, historyFree.c_str());
    probe.setPrompt(ProbePrompt::freeText(f.run.tokenizer->decode(f.run.vocabulary->toTokenizer(expectedPrompt))));
    QVERIFY(std::equal(probe.promptIds().begin(), probe.promptIds().end(), expectedPrompt.begin(), expectedPrompt.end()));
    QVERIFY(probe.promptText().find("### Response:") != std::string::npos);
}

// Granularity 2: a child is a chunk of up to two tokens; its probability is the product of the
// tokens' probabilities, each after the tokens before it (full forwards here).
void TestPolicyProbe::chunksMultiplyTheirTokens() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    Fixture f;
    const auto coarse = flower::train::openFlowExplorer(config(2));
    auto probe = PolicyProbe::open(f.dir.path() / "last");
    probe.setPrompt(ProbePrompt::datasetRow(Split::Train, 0));
    const auto root = coarse.root();
    const auto children = coarse.children(root);
    std::vector<std::vector<TokenId>> chunks;
    bool anyLong = false;
    for (const auto& c : children) {
        chunks.push_back(c.tokens);
        anyLong = anyLong || c.tokens.size() == 2;
    }
    QVERIFY(anyLong);
    const auto bars = probe.children(coarse.trie(), root.node, chunks);
    double constrainedSum = 0.0;
    for (std::size_t i = 0; i < children.size(); ++i) {
        double vocabulary = 1.0, constrained = 1.0;
        flower::flow::NodeId node = flower::flow::TitleTrie::kRoot;
        std::vector<TokenId> prefix;
        for (const auto t : chunks[i]) {
            const auto lp = lastLogProbs(*f.run.model, f.ids(Split::Train, 0, prefix));
            double inside = 0.0;
            for (const auto c : coarse.trie().childTokens(node)) inside += std::exp(lp[static_cast<std::size_t>(f.toModel(c))]);
            const double p = std::exp(lp[static_cast<std::size_t>(f.toModel(t))]);
            vocabulary *= p;
            constrained *= p / inside;
            prefix.push_back(t);
            node = coarse.trie().child(node, t);
        }
        QVERIFY2(near(bars[i].vocabulary, vocabulary), (std::to_string(bars[i].vocabulary) + " vs " + std::to_string(vocabulary)).c_str());
        QVERIFY2(near(bars[i].constrained, constrained), (std::to_string(bars[i].constrained) + " vs " + std::to_string(constrained)).c_str());
        constrainedSum += bars[i].constrained;
    }
    QVERIFY(std::abs(constrainedSum - 1.0) < 1e-9);
}

void TestPolicyProbe::titleTotalIsTheSumOfItsTokens() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    Fixture f;
    auto probe = PolicyProbe::open(f.dir.path() / "last");
    probe.setPrompt(ProbePrompt::datasetRow(Split::Valid, 1));
    const auto& trie = f.explorer.trie();
    flower::flow::TitleIndex longest = 0;
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        if (trie.titleTokens(static_cast<int>(t)).size() > trie.titleTokens(longest).size()) longest = static_cast<int>(t);
    }
    const auto title = probe.title(trie, longest);
    const auto tokens = trie.titleTokens(longest);
    QCOMPARE(title.tokens.size(), tokens.size() + 1);
    QCOMPARE(title.tokens.back().token, trie.terminationToken());
    double logV = 0.0, logC = 0.0;
    flower::flow::NodeId node = flower::flow::TitleTrie::kRoot;
    for (std::size_t i = 0; i < title.tokens.size(); ++i) {
        const auto lp = lastLogProbs(*f.run.model, f.ids(Split::Valid, 1, tokens.first(i)));
        const TokenId t = i < tokens.size() ? tokens[i] : trie.terminationToken();
        QCOMPARE(title.tokens[i].token, t);
        double inside = 0.0;
        for (const auto c : trie.childTokens(node)) inside += std::exp(lp[static_cast<std::size_t>(f.toModel(c))]);
        const double p = std::exp(lp[static_cast<std::size_t>(f.toModel(t))]);
        QVERIFY(near(title.tokens[i].vocabulary, p));
        QVERIFY(near(title.tokens[i].constrained, p / inside));
        logV += std::log(title.tokens[i].vocabulary);
        logC += std::log(title.tokens[i].constrained);
        node = trie.child(node, t);
    }
    QVERIFY(std::abs(title.logVocabulary - logV) < 1e-9);
    QVERIFY(std::abs(title.logConstrained - logC) < 1e-9);
    QVERIFY(title.logConstrained > title.logVocabulary);  // renormalising only adds mass
}

void TestPolicyProbe::steppingToAChildCostsOneForward() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    Fixture f;
    auto probe = PolicyProbe::open(f.dir.path() / "last");
    probe.setPrompt(ProbePrompt::datasetRow(Split::Test, 0));
    const auto chunksOf = [&f](FlowExplorer::State s) {
        std::vector<std::vector<TokenId>> out;
        for (const auto& c : f.explorer.children(s)) out.push_back(c.tokens);
        return out;
    };
    const auto root = f.explorer.root();
    const auto child = branching(f.explorer);
    const auto grandchild = f.explorer.children(child).front().state;
    const std::int64_t start = probe.forwardCount();
    probe.children(f.explorer.trie(), root.node, chunksOf(root));
    QCOMPARE(probe.forwardCount(), start);  // the prompt pass serves the root
    probe.children(f.explorer.trie(), child.node, chunksOf(child));
    QCOMPARE(probe.forwardCount(), start + 1);
    if (!f.explorer.node(grandchild).terminal) {
        probe.children(f.explorer.trie(), grandchild.node, chunksOf(grandchild));
        QCOMPARE(probe.forwardCount(), start + 2);
        probe.children(f.explorer.trie(), child.node, chunksOf(child));  // climbing: cached
        QCOMPARE(probe.forwardCount(), start + 2);
    }
}

void TestPolicyProbe::badInputsAreNamed() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    Fixture f;
    auto probe = PolicyProbe::open(f.dir.path() / "last");
    // A row outside its split: the split, the row and the range.
    const std::int64_t rows = probe.rows(Split::Test);
    QCOMPARE(rows, static_cast<std::int64_t>(f.data.size(Split::Test)));
    const std::string outside = errorOf([&] { probe.setPrompt(ProbePrompt::datasetRow(Split::Test, rows)); });
    QVERIFY2(outside.find("row " + std::to_string(rows) + " is outside the test split") != std::string::npos, outside.c_str());
    QVERIFY(probe.prompt().kind == ProbePrompt::Kind::DatasetRow);  // the previous prompt stays
    QCOMPARE(probe.prompt().row, std::int64_t{0});

    // A tree of titles the checkpoint never saw: the title and the vocabulary file are named.
    const std::vector<flower::flow::TitleItem> items = {{0, "Zyzzyva 电影 Ωmega"}};
    const auto foreign = flower::flow::TitleTrie::build(*f.run.tokenizer, items, f.explorer.trie().terminationToken());
    const std::string vocabulary = errorOf([&] { probe.checkCovers(foreign); });
    QVERIFY2(vocabulary.find("vocabulary_map.json") != std::string::npos, vocabulary.c_str());
    QVERIFY2(vocabulary.find("Zyzzyva") != std::string::npos, vocabulary.c_str());
    QVERIFY2(vocabulary.find("lacks") != std::string::npos, vocabulary.c_str());
    const std::string freeText = errorOf([&] { probe.setPrompt(ProbePrompt::freeText("电影")); });
    QVERIFY2(freeText.find("lacks") != std::string::npos, freeText.c_str());
    QVERIFY2(errorOf([&] { probe.setPrompt(ProbePrompt::freeText("")); }).find("empty") != std::string::npos, "empty prompt");

    // Not a checkpoint.
    const std::string noCheckpoint = errorOf([&] { PolicyProbe::open(f.dir.path()); });
    QVERIFY2(noCheckpoint.find("config.json") != std::string::npos, noCheckpoint.c_str());

    // A store: the run with the checkpoint is listed; an unknown run is named.
    const fs::path storeFile = f.dir.path() / "runs.sqlite";
    std::int64_t id = 0;
    {
        flower::store::RunStore store(storeFile);
        id = store.createRun({"probe", f.cfg.toJson().dump(), "flower", f.cfg.dataset, 0, "cpu"});
        store.startRun(id);
        flower::store::RunWriter writer(storeFile, id);
        writer.checkpoint(7, (f.dir.path() / "last").string(), std::nullopt);
        writer.finish(flower::store::RunStatus::Finished);
    }
    const auto listed = flower::train::probeRuns(storeFile);
    QCOMPARE(listed.size(), std::size_t{1});
    QCOMPARE(listed[0].runId, id);
    QCOMPARE(listed[0].step, std::int64_t{7});
    QCOMPARE(listed[0].kind, std::string("last"));
    QCOMPARE(flower::train::probeRun(storeFile, id).checkpoint, f.dir.path() / "last");
    const std::string unknown = errorOf([&] { flower::train::probeRun(storeFile, id + 41); });
    QVERIFY2(unknown.find("no run " + std::to_string(id + 41)) != std::string::npos, unknown.c_str());
    QVERIFY2(unknown.find("runs.sqlite") != std::string::npos, unknown.c_str());
}

FLOWER_TEST_MAIN(TestPolicyProbe, barsEqualTheModelsSoftmax, chunksMultiplyTheirTokens, titleTotalIsTheSumOfItsTokens,
                 steppingToAChildCostsOneForward, badInputsAreNamed)
#ifdef FLOWER_TEST_QT
#include "test_policy_probe.moc"
#endif
