// bench_decode — trie-constrained beam search over the Movies test split (issue 16's benchmark):
// 2,743 BIGRec prompts (instruction + 10-title history, Qwen2.5 tokenizer, compact vocabulary of
// the corpus), the `tiny` preset (random weights, fp32), 10 beams, α = 1, the catalogue trie
// (2,653 items). Reports wall time (goal ≤ 60 s on 2 cores), the split between prompt passes and
// decoding steps, a FLOP count of the work done, and GFLOP/s against the fp32 matmul peak
// measured before and after in the same run. Random weights give near-uniform children; beams
// thin out near the trie's leaves (⊤ the only child), and a prompt often runs its last steps
// with one or two beams (~80 decoding rows per prompt over ~8 steps), which is why the grouped
// path needs many slots for GEMM-sized steps.
// FLOPs: 2·(matmul parameters of the layers) per token through the layers (prompt suffixes, the
// shared prefix once, decoding rows), 4·d·layers per (query, key) pair of attention, and
// 2·d·V per head row (one per decoding step and row); the prompt pass's last layer computes
// only the last column (OutputColumns), which we count in full (an overestimate of ≤ 1/8 of
// the prompt part).
//
//   build/tests/bench/decode/bench_decode [--rows N] [--beams B] [--batch P] [--threads N]
//                                         [--no-share] [--no-decode-step] [--dataset DIR]
//                                         [--legacy] [--compare REPS [--legacy-batch P]]
// --batch: prompts decoded at once (the grouped path's slots); --legacy: the earlier path (one
// KvCache row per beam, batch after batch); --compare: both paths interleaved REPS times on the
// same prompts (ratios of one machine state), with the share of identical titles.
#include "core/data/dataset.h"
#include "core/decode/beam_search.h"
#include "core/model/decode_step.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/corpus_vocabulary.h"
#include "core/train/model_trie.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"
#include "tests/bench/bench_timing.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <optional>

using namespace flower;

namespace {

double matmulPeak() {
    const std::int64_t n = 1024;
    const auto a = torch::randn({n, n}), b = torch::randn({n, n});
    for (int i = 0; i < 3; ++i) torch::mm(a, b);
    const double ms = bench::medianMs([&] { torch::mm(a, b); }, 20);
    return 2.0 * n * n * n / (ms * 1e-3) / 1e9;
}

// /proc/loadavg's first three fields (the machine is shared: report its load).
std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
    util::ensureThreadEnvironment(argc, argv);
    std::int64_t rows = 0;
    int beams = 10, batch = 256, threads = 2;
    bool share = true, legacy = false;
    int compare = 0, legacyBatch = 16;
    const char* sharedEnv = std::getenv("FLOWER_SHARED_DIR");
    std::filesystem::path dataset = std::filesystem::path(sharedEnv ? sharedEnv : "../shared") / "data/Movies_and_TV";
    for (int i = 1; i < argc; ++i) {
        const bool more = i + 1 < argc;
        if (!std::strcmp(argv[i], "--rows") && more) rows = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--beams") && more) beams = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--batch") && more) batch = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--threads") && more) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--dataset") && more) dataset = argv[++i];
        else if (!std::strcmp(argv[i], "--no-share")) share = false;
        else if (!std::strcmp(argv[i], "--legacy")) legacy = true;
        else if (!std::strcmp(argv[i], "--compare") && more) compare = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--legacy-batch") && more) legacyBatch = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--no-decode-step")) model::setDecodeStepEnabled(false);
    }
    const int used = util::configureTorchThreads(threads);
    const auto data = data::loadDataset(dataset);
    const auto tokenizer = text::Tokenizer::fromFile(util::defaultTokenizerPath());
    const text::TokenId term = tokenizer.encode("\n").front();
    const auto prompt = text::PromptTemplate::bigRec();
    const auto vocabulary = train::bigRecVocabulary(data, tokenizer, prompt, term);
    const auto trie = train::ModelTrie::forCatalogue(data, tokenizer, term, &vocabulary).trie;

    const std::int64_t n = rows > 0 ? std::min<std::int64_t>(rows, static_cast<std::int64_t>(data.test.size()))
                                    : static_cast<std::int64_t>(data.test.size());
    std::vector<std::vector<text::TokenId>> prompts;
    const auto instruction = tokenizer.encode(prompt.instructionPart());
    for (std::int64_t r = 0; r < n; ++r) {
        std::vector<std::string> history;
        for (auto id : data.test.rows()[static_cast<std::size_t>(r)].history) history.push_back(data.catalog.title(id));
        std::vector<text::TokenId> ids = instruction;
        tokenizer.encodeInto(prompt.inputPart(history), ids);
        prompts.push_back(vocabulary.toCompact(ids));
    }
    std::int64_t promptTokens = 0;
    for (const auto& p : prompts) promptTokens += static_cast<std::int64_t>(p.size());

    model::Qwen2ForCausalLM policy(model::qwen2Preset("tiny", static_cast<std::int64_t>(vocabulary.size())));
    policy->initWeights(1);
    policy->eval();
    const auto& c = policy->config();
    const auto stats = trie.depthStats();
    std::printf("threads %d; %lld prompts (%.1f tokens mean, instruction %zu); vocabulary %zu; trie %zu titles, "
                "%zu nodes, mean %.2f tokens, root children %d; %d beams, %d prompts per batch, shared prefix %s\n",
                used, static_cast<long long>(n), static_cast<double>(promptTokens) / static_cast<double>(n),
                instruction.size(), vocabulary.size(), trie.titleCount(), trie.nodeCount(), stats.meanTitleTokens,
                stats.maxBranching, beams, batch, share ? "on" : "off");
    const double peakBefore = matmulPeak();

    decode::BeamSearchOptions o;
    o.beams = beams;
    o.promptsPerBatch = batch;
    o.sharePromptPrefix = share;
    const double d = static_cast<double>(c.hiddenSize), f = static_cast<double>(c.intermediateSize);
    const double kv = static_cast<double>(c.numKeyValueHeads * c.headDim());
    const double layers = static_cast<double>(c.numHiddenLayers);
    const double layerParams = layers * (d * d + 2 * d * kv + d * d + 3 * d * f);
    struct Run {
        decode::BeamSearchResult result;
        double seconds;
    };
    const auto runOnce = [&](bool grouped, int slots) {
        decode::BeamSearchOptions x = o;
        x.groupedDecoding = grouped;
        x.promptsPerBatch = slots;
        const auto t0 = std::chrono::steady_clock::now();
        auto result = decode::beamSearch(*policy, trie, prompts, x);
        return Run{std::move(result), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
    };
    const auto flops = [&](const decode::BeamSearchStats& s) {
        struct F {
            double prompt, decode, head;
        };
        return F{2.0 * layerParams * static_cast<double>(s.promptTokens + s.prefixTokens) +
                     4.0 * d * layers * static_cast<double>(s.promptAttentionPairs),
                 2.0 * layerParams * static_cast<double>(s.decodeRows) + 4.0 * d * layers * static_cast<double>(s.attentionKeys),
                 2.0 * d * static_cast<double>(c.vocabSize) * static_cast<double>(s.headRows)};
    };
    const auto parts = [](const decode::BeamSearchStats& s) {
        std::printf("  parts: prompt passes %.2f s; decoding %.2f s = head+lse %.2f, candidates+ranking %.2f, layer steps %.2f "
                    "(GEMMs %.2f, attention %.2f), rest %.2f; %lld steps, %lld decoding rows, %lld head rows\n",
                    s.promptSeconds, s.decodeSeconds, s.headSeconds, s.rankSeconds, s.layerSeconds, s.layerGemmSeconds,
                    s.attentionSeconds, s.decodeSeconds - s.headSeconds - s.rankSeconds - s.layerSeconds,
                    static_cast<long long>(s.steps), static_cast<long long>(s.decodeRows), static_cast<long long>(s.headRows));
    };
    std::printf("load average %s\n", loadAverage().c_str());

    if (compare > 0) {
        // A/B interleaved: the earlier path (one cache row per beam, batches of --legacy-batch)
        // against the grouped one (--batch slots), same prompts, alternating.
        std::vector<double> ta, tb;
        std::int64_t same = 0, total = 0;
        for (int rep = 0; rep < compare; ++rep) {
            const Run a = runOnce(false, legacyBatch);
            const Run b = runOnce(true, batch);
            ta.push_back(a.seconds);
            tb.push_back(b.seconds);
            for (std::size_t i = 0; i < a.result.titles.size(); ++i) {
                for (std::size_t k = 0; k < a.result.titles[i].size() && k < b.result.titles[i].size(); ++k) {
                    same += a.result.titles[i][k].title == b.result.titles[i][k].title;
                }
                total += static_cast<std::int64_t>(a.result.titles[i].size());
            }
            std::printf("rep %d: earlier path %.2f s, grouped %.2f s → ×%.2f (load %s)\n", rep, a.seconds, b.seconds,
                        a.seconds / b.seconds, loadAverage().c_str());
            parts(a.result.stats);
            parts(b.result.stats);
        }
        std::printf("medians: earlier %.2f s, grouped %.2f s → ×%.2f; same title at the same rank: %.2f%%\n",
                    bench::median(ta), bench::median(tb), bench::median(ta) / bench::median(tb),
                    100.0 * static_cast<double>(same) / static_cast<double>(std::max<std::int64_t>(1, total)));
        std::printf("fp32 matmul 1024² peak: %.1f GFLOP/s before, %.1f after\n", peakBefore, matmulPeak());
        return 0;
    }

    const Run run = runOnce(!legacy, batch);
    const double seconds = run.seconds;
    const auto& result = run.result;
    const double peakAfter = matmulPeak();

    const auto& s = result.stats;
    const auto fl = flops(s);
    const double promptFlops = fl.prompt, decodeFlops = fl.decode, headFlops = fl.head;
    const double total = promptFlops + decodeFlops + headFlops;
    std::int64_t titles = 0;
    for (const auto& t : result.titles) titles += static_cast<std::int64_t>(t.size());
    std::printf("%s path: wall %.2f s (goal ≤ 60 s for 2,743 prompts): prompt passes %.2f s, decoding %.2f s; %lld steps, "
                "%lld decoding rows, %lld head rows, %.2f titles per prompt\n",
                legacy ? "earlier" : "grouped", seconds, s.promptSeconds, s.decodeSeconds, static_cast<long long>(s.steps),
                static_cast<long long>(s.decodeRows), static_cast<long long>(s.headRows),
                static_cast<double>(titles) / static_cast<double>(n));
    parts(s);
    std::printf("tokens through the layers: prompts %lld (+ shared prefix %lld once; %lld without sharing), "
                "decoding %lld\n",
                static_cast<long long>(s.promptTokens), static_cast<long long>(s.prefixTokens),
                static_cast<long long>(promptTokens), static_cast<long long>(s.decodeRows));
    std::printf("GFLOP: prompts %.1f, decoding layers %.1f, head %.1f, total %.1f → %.1f GFLOP/s; "
                "prompt passes %.1f GFLOP/s, decoding %.1f GFLOP/s (layer steps %.1f, head %.1f)\n",
                promptFlops / 1e9, decodeFlops / 1e9, headFlops / 1e9, total / 1e9, total / seconds / 1e9,
                promptFlops / s.promptSeconds / 1e9, (decodeFlops + headFlops) / s.decodeSeconds / 1e9,
                s.layerSeconds > 0 ? decodeFlops / s.layerSeconds / 1e9 : 0.0,
                s.headSeconds > 0 ? headFlops / s.headSeconds / 1e9 : 0.0);
    std::printf("fp32 matmul 1024² peak: %.1f GFLOP/s before, %.1f after → %.0f%% / %.0f%% of it; load average %s\n",
                peakBefore, peakAfter, 100.0 * total / seconds / 1e9 / peakBefore, 100.0 * total / seconds / 1e9 / peakAfter,
                loadAverage().c_str());
    return 0;
}
