#include "core/train/title_distribution.h"

#include "core/flow/title_trie.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/train/continuation_log_probs.h"
#include "core/train/trie_sampler.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace flower::train {

namespace {

// log Σ exp(x) over a handful of values.
double logSumExp(const std::vector<double>& x) {
    double top = -std::numeric_limits<double>::infinity();
    for (double v : x) top = std::max(top, v);
    if (!std::isfinite(top)) return top;
    double sum = 0.0;
    for (double v : x) sum += std::exp(v - top);
    return top + std::log(sum);
}

}  // namespace

TitleDistribution titleDistribution(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                                    std::span<const text::TokenId> prompt, double temperature) {
    if (prompt.empty()) throw Error({"", 0, "prompt"}, "the prompt is empty");
    checkSamplingTemperature(temperature);
    const std::int64_t V = model.config().vocabSize;
    const auto n = static_cast<std::int64_t>(trie.titleCount());
    std::int64_t L = 1;  // title tokens + ⊤
    for (std::int64_t t = 0; t < n; ++t) {
        L = std::max<std::int64_t>(L, static_cast<std::int64_t>(trie.titleTokens(static_cast<flow::TitleIndex>(t)).size()) + 1);
    }
    const std::int64_t term = trie.terminationToken();
    if (term >= V) throw Error({"", 0, "trie"}, "the termination token is outside the model's vocabulary");

    torch::NoGradGuard noGrad;
    const auto device = model.device();
    std::vector<std::int64_t> promptIds(prompt.begin(), prompt.end());
    const auto P = static_cast<std::int64_t>(promptIds.size());
    const at::Tensor one = torch::tensor(promptIds, torch::kLong).view({1, P}).to(device);  // [1, P]
    const PromptPass base = runPrompt(model, one, torch::ones({1, P}, one.options()));

    TitleDistribution out;
    out.constrained.resize(static_cast<std::size_t>(n));
    out.free.resize(static_cast<std::size_t>(n));
    out.outside.resize(static_cast<std::size_t>(n));
    // Chunks keep the [chunk, L, V] logits near 16 Mi values (128 MiB in double).
    const std::int64_t chunk = std::clamp<std::int64_t>((std::int64_t{1} << 24) / (L * V), 1, 256);
    for (std::int64_t first = 0; first < n; first += chunk) {
        const std::int64_t m = std::min(chunk, n - first);
        at::Tensor ids = torch::full({m, L}, term, torch::kLong);
        at::Tensor mask = torch::zeros({m, L}, torch::kLong);
        auto idAcc = ids.accessor<std::int64_t, 2>();
        auto maskAcc = mask.accessor<std::int64_t, 2>();
        for (std::int64_t r = 0; r < m; ++r) {
            const auto tokens = trie.titleTokens(static_cast<flow::TitleIndex>(first + r));
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                if (tokens[i] >= V) {
                    throw Error({"", 0, "trie"}, "a trie token is outside the model's vocabulary of " +
                                                     std::to_string(V) + " tokens");
                }
                idAcc[r][static_cast<std::int64_t>(i)] = tokens[i];
            }
            for (std::size_t i = 0; i <= tokens.size(); ++i) maskAcc[r][static_cast<std::int64_t>(i)] = 1;
        }
        PromptPass prompt = base;  // shares tensors; the continuation replaces, never writes
        const at::Tensor hidden =
            predictingHiddenStates(model, std::move(prompt), ids.to(device), mask.to(device));  // [m, L, D]
        const at::Tensor logits = model.logitsFrom(hidden).to(torch::kCPU, torch::kDouble);  // [m, L, V]
        const at::Tensor logProbs = torch::log_softmax(logits, -1);                          // [m, L, V]
        const auto lg = logits.accessor<double, 3>();
        const auto lp = logProbs.accessor<double, 3>();
        // Host loop over (title, position, child): a few numbers each, no model work.
        for (std::int64_t r = 0; r < m; ++r) {
            const auto title = static_cast<flow::TitleIndex>(first + r);
            const auto tokens = trie.titleTokens(title);
            double constrained = 0.0, free = 0.0, outside = 0.0;
            flow::NodeId node = flow::TitleTrie::kRoot;
            for (std::size_t i = 0; i <= tokens.size(); ++i) {
                const auto t = static_cast<std::int64_t>(i);
                const std::int64_t token = i < tokens.size() ? tokens[i] : term;
                std::vector<double> scaled;
                double inside = 0.0;
                for (const auto child : trie.childTokens(node)) {
                    scaled.push_back(lg[r][t][child] / temperature);
                    inside += std::exp(lp[r][t][child]);
                }
                constrained += lg[r][t][token] / temperature - logSumExp(scaled);
                free += lp[r][t][token];
                outside += std::max(0.0, 1.0 - inside);
                node = trie.child(node, static_cast<flow::TokenId>(token));
            }
            out.constrained[static_cast<std::size_t>(first + r)] = constrained;
            out.free[static_cast<std::size_t>(first + r)] = free;
            out.outside[static_cast<std::size_t>(first + r)] = outside / static_cast<double>(tokens.size() + 1);
        }
    }
    return out;
}

std::vector<double> TitleDistribution::constrainedProbabilities() const {
    std::vector<double> p(constrained.size());
    for (std::size_t t = 0; t < p.size(); ++t) p[t] = std::exp(constrained[t]);
    return p;
}

}  // namespace flower::train
