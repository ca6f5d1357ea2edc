// Prefix tree and flows for Movies_and_TV: time to tokenize the 2,653 catalogue titles and build
// the TitleTrie, to build the FlowTable (rewards = reference_title_interaction.json), to write
// the reference layout; then the allowed-token mask ([64, V] bool and index tensors) for a batch
// of 64 prefixes. Usage (from the repository root): build/tests/bench/text/bench_flows
#include "core/flow/allowed_tokens.h"
#include "core/flow/flow_table.h"
#include "core/flow/title_rewards.h"
#include "core/flow/title_trie.h"
#include "core/flow/token_distribution.h"
#include "core/text/tokenizer.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

namespace {
using Clock = std::chrono::steady_clock;
double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Best of `repeats` runs of `f`, in milliseconds.
template <typename F>
double best(int repeats, F&& f) {
    double b = 1e30;
    for (int i = 0; i < repeats; ++i) {
        const auto s = Clock::now();
        f();
        b = std::min(b, ms(s, Clock::now()));
    }
    return b;
}
}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    flower::util::configureTorchThreads(1);
    using namespace flower::flow;
    const auto shared = flower::util::sharedDir();
    if (!shared) {
        std::fprintf(stderr, "../shared is absent (set FLOWER_SHARED_DIR)\n");
        return 1;
    }
    const auto dir = *shared / "data/Movies_and_TV";
    const auto tok = flower::text::Tokenizer::fromFile(flower::util::defaultTokenizerPath());
    std::vector<TitleItem> items;
    {
        std::ifstream in(dir / "items.tsv");
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            const auto tab = line.rfind('\t');
            items.push_back({std::stoll(line.substr(tab + 1)), line.substr(0, tab)});
        }
    }
    const TitleRewards rewards = readTitleRewardsJson(dir / "reference_title_interaction.json");

    std::vector<std::vector<flower::text::TokenId>> tokens;
    const double tTokenize = best(1, [&] {  // first pass: cold word cache
        tokens.clear();
        for (const auto& item : items) tokens.push_back(tok.encode(item.title));
    });
    std::optional<TitleTrie> trie;
    const double tTrie = best(20, [&] { trie.emplace(TitleTrie::fromTokens(items, tokens, 198)); });
    const auto titleRewards = rewardsForTrie(*trie, rewards);
    std::optional<FlowTable> flows;
    const double tFlows = best(20, [&] { flows.emplace(*trie, titleRewards); });
    const auto out = std::filesystem::temp_directory_path() / "bench_flows_distribution.json";
    const double tJson = best(5, [&] { writeTokenDistribution(*flows, 1, out); });
    std::filesystem::remove(out);
    const auto stats = trie->depthStats();
    std::printf("Movies_and_TV: %zu items, %zu titles, %zu trie nodes, mean title %.2f tokens, max %d\n",
                items.size(), trie->titleCount(), trie->nodeCount(), stats.meanTitleTokens, stats.maxTitleTokens);
    std::printf("  tokenize all titles (cold cache)   %8.2f ms\n", tTokenize);
    std::printf("  build TitleTrie from tokens        %8.3f ms\n", tTrie);
    std::printf("  build FlowTable                    %8.3f ms\n", tFlows);
    std::printf("  write reference JSON file           %8.2f ms\n", tJson);

    // 64 prefixes: random non-terminal nodes.
    std::mt19937 rng(7);
    std::vector<NodeId> nodes;
    std::uniform_int_distribution<NodeId> pick(0, static_cast<NodeId>(trie->nodeCount()) - 1);
    while (nodes.size() < 64) {
        const NodeId v = pick(rng);
        if (!trie->isTerminal(v)) nodes.push_back(v);
    }
    nodes[0] = TitleTrie::kRoot;  // the widest node (every first token)
    const std::int64_t vocab = 151936;  // Qwen2.5's embedding rows
    const double tMask = best(200, [&] { (void)allowedTokenMask(*trie, nodes, vocab); });
    const double tIdx = best(200, [&] { (void)allowedTokenIndices(*trie, nodes); });
    const auto idx = allowedTokenIndices(*trie, nodes);
    std::printf("  allowed tokens, 64 prefixes (%lld allowed in all, root included):\n",
                static_cast<long long>(idx.rows.numel()));
    std::printf("    [64, %lld] bool mask             %8.3f ms\n", static_cast<long long>(vocab), tMask);
    std::printf("    index tensors (rows, tokens)     %8.3f ms\n", tIdx);
    return 0;
}
