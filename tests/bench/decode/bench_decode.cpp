// bench_decode — trie-constrained beam search over the Movies test split (issue 16's benchmark):
// 2,743 BIGRec prompts (instruction + 10-title history, Qwen2.5 tokenizer, compact vocabulary of
// the corpus), the `tiny` preset (random weights, fp32), 10 beams, α = 1, the catalogue trie
// (2,653 items). Reports wall time (goal ≤ 60 s on 2 cores), the split between prompt passes and
// decoding steps, a FLOP count of the work done, and GFLOP/s against the fp32 matmul peak
// measured before and after in the same run. Random weights give near-uniform children, so the
// beams stay full (10 per prompt) and titles run their whole length: a trained model's search
// does no more work.
// FLOPs: 2·(matmul parameters of the layers) per token through the layers (prompt suffixes, the
// shared prefix once, decoding rows), 4·d·layers per (query, key) pair of attention, and
// 2·d·V per head row (one per decoding step and row); the prompt pass's last layer computes
// only the last column (OutputColumns), which we count in full (an overestimate of ≤ 1/8 of
// the prompt part).
//
//   build/tests/bench/decode/bench_decode [--rows N] [--beams B] [--batch P] [--threads N]
//                                         [--no-share] [--no-decode-step] [--dataset DIR]
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

}  // namespace

int main(int argc, char** argv) {
    util::ensureThreadEnvironment(argc, argv);
    std::int64_t rows = 0;
    int beams = 10, batch = 16, threads = 2;
    bool share = true;
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
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = decode::beamSearch(*policy, trie, prompts, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double peakAfter = matmulPeak();

    const auto& s = result.stats;
    const double d = static_cast<double>(c.hiddenSize), f = static_cast<double>(c.intermediateSize);
    const double kv = static_cast<double>(c.numKeyValueHeads * c.headDim());
    const double layers = static_cast<double>(c.numHiddenLayers);
    const double layerParams = layers * (d * d + 2 * d * kv + d * d + 3 * d * f);
    const double promptFlops = 2.0 * layerParams * static_cast<double>(s.promptTokens + s.prefixTokens) +
                               4.0 * d * layers * static_cast<double>(s.promptAttentionPairs);
    const double decodeFlops = 2.0 * layerParams * static_cast<double>(s.decodeRows) +
                               4.0 * d * layers * static_cast<double>(s.attentionKeys);
    const double headFlops = 2.0 * d * static_cast<double>(c.vocabSize) * static_cast<double>(s.headRows);
    const double total = promptFlops + decodeFlops + headFlops;
    std::int64_t titles = 0;
    for (const auto& t : result.titles) titles += static_cast<std::int64_t>(t.size());
    std::printf("wall %.2f s (goal ≤ 60 s for 2,743 prompts): prompt passes %.2f s, decoding %.2f s; %lld steps, "
                "%lld decoding rows, %lld head rows, %.2f titles per prompt\n",
                seconds, s.promptSeconds, s.decodeSeconds, static_cast<long long>(s.steps),
                static_cast<long long>(s.decodeRows), static_cast<long long>(s.headRows),
                static_cast<double>(titles) / static_cast<double>(n));
    std::printf("tokens through the layers: prompts %lld (+ shared prefix %lld once; %lld without sharing), "
                "decoding %lld\n",
                static_cast<long long>(s.promptTokens), static_cast<long long>(s.prefixTokens),
                static_cast<long long>(promptTokens), static_cast<long long>(s.decodeRows));
    std::printf("GFLOP: prompts %.1f, decoding layers %.1f, head %.1f, total %.1f → %.1f GFLOP/s; "
                "prompt passes %.1f GFLOP/s, decoding %.1f GFLOP/s\n",
                promptFlops / 1e9, decodeFlops / 1e9, headFlops / 1e9, total / 1e9, total / seconds / 1e9,
                promptFlops / s.promptSeconds / 1e9, (decodeFlops + headFlops) / s.decodeSeconds / 1e9);
    std::printf("fp32 matmul 1024² peak: %.1f GFLOP/s before, %.1f after → %.0f%% / %.0f%% of it\n", peakBefore,
                peakAfter, 100.0 * total / seconds / 1e9 / peakBefore, 100.0 * total / seconds / 1e9 / peakAfter);
    return 0;
}
