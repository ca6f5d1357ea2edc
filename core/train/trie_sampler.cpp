#include "core/train/trie_sampler.h"

#include "core/decode/trie_candidates.h"
#include "core/train/continuation_log_probs.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace flower::train {

void checkSamplingTemperature(double temperature) {
    if (!(temperature > 0.0) || !std::isfinite(temperature)) {
        throw Error({"", 0, "temperature"}, "sampling temperature must be a positive number, got " +
                                                std::to_string(temperature));
    }
}

SampledTitles sampleTitles(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                           const at::Tensor& promptIds, const at::Tensor& promptMask,
                           double temperature, at::Generator& generator, int maxTokens,
                           int samplesPerPrompt, SamplingConstraint constraint) {
    checkSamplingTemperature(temperature);
    if (promptIds.dim() != 2 || promptMask.sizes() != promptIds.sizes() || promptIds.size(1) < 1) {
        throw Error({"", 0, "promptIds"}, "expected prompt ids and mask of one shape [B, P], P ≥ 1");
    }
    torch::NoGradGuard noGrad;
    const PromptPass prompt = runPrompt(model, promptIds, promptMask);  // identical rows run once
    const at::Tensor logits = model.logitsFrom(prompt.lastHidden);        // [B, V]
    return sampleTitlesFrom(model, trie, prompt.cache, logits, temperature, generator, maxTokens,
                            samplesPerPrompt, constraint);
}

SampledTitles sampleTitlesFrom(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                               const model::KvCache& promptCache, const at::Tensor& lastLogits,
                               double temperature, at::Generator& generator, int maxTokens,
                               int samplesPerPrompt, SamplingConstraint constraint) {
    checkSamplingTemperature(temperature);
    if (samplesPerPrompt < 1) {
        throw Error({"", 0, "samplesPerPrompt"},
                    "expected at least one sample per prompt, got " + std::to_string(samplesPerPrompt));
    }
    torch::NoGradGuard noGrad;  // nothing below joins the graph, even off a cache that has one
    if (lastLogits.dim() != 2 || promptCache.batchSize() != lastLogits.size(0)) {
        throw Error({"", 0, "lastLogits"}, "expected [B, V] logits for the cache's " +
                                               std::to_string(promptCache.batchSize()) + " prompts");
    }
    const std::int64_t B = lastLogits.size(0);
    const std::int64_t N = B * samplesPerPrompt;
    const std::int64_t V = model.config().vocabSize;
    const flow::TokenId term = trie.terminationToken();
    const auto device = lastLogits.device();
    const auto longDev = torch::TensorOptions().dtype(torch::kLong).device(device);

    model::KvCache cache = promptCache;  // shares tensors; reorder/append replace, never write
    // ... into room of its own, so that appends write in place (longer titles than the room
    // fall back to concatenation).
    cache.reserve(maxTokens > 0 ? maxTokens : 32);
    at::Tensor logits = lastLogits.detach();  // [B, V]; undefined once only `hidden` is kept
    at::Tensor hidden;                        // [n, D] of the running rows after the first step
    if (samplesPerPrompt > 1) {
        const at::Tensor rows = torch::arange(B, longDev).repeat_interleave(samplesPerPrompt);  // [N]
        cache.reorder(rows);
        logits = logits.index_select(0, rows);  // [N, V]
    }

    std::vector<flow::NodeId> nodes(N, flow::TitleTrie::kRoot);
    std::vector<std::vector<std::int64_t>> generated(N);
    std::vector<std::int64_t> alive(N);  // original row of each cache row
    for (std::int64_t r = 0; r < N; ++r) alive[r] = r;

    // Inference mode for the model calls: no autograd bookkeeping per op (a decoding step is
    // ~150 small ops). Its tensors (cache copies, hidden states) never leave this loop.
    {
        c10::InferenceMode inference;
        for (int step = 0; !alive.empty() && (maxTokens <= 0 || step < maxTokens); ++step) {
            const std::int64_t n = static_cast<std::int64_t>(alive.size());
            at::Tensor next;  // [n] on the CPU
            if (constraint == SamplingConstraint::Free) {
                next = at::multinomial(torch::softmax(logits.to(torch::kCPU, torch::kDouble) / temperature, 1), 1,
                                       false, generator).squeeze(1);
            } else {
                // Candidates: the children of each running row's node, as (cache row, token) pairs
                // (decode::trieCandidates, the masking code beam search uses too).
                std::vector<flow::NodeId> aliveNodes;
                aliveNodes.reserve(alive.size());
                for (auto r : alive) aliveNodes.push_back(nodes[r]);
                const decode::TrieCandidates allowed = decode::trieCandidates(trie, aliveNodes, V);
                const at::Tensor rows = allowed.rows;  // [K]
                // After the root, nodes have a few children: their logits alone, not [n, V].
                const at::Tensor chosen =
                    (logits.defined() ? logits.index({rows.to(device), allowed.tokens.to(device)})
                                      : model.logitsAt(hidden, rows.to(device), allowed.tokens.to(device)))
                        .to(torch::kCPU, torch::kDouble) /
                    temperature;                                                           // [K]
                const at::Tensor padded = allowed.padded(chosen, -std::numeric_limits<double>::infinity());  // [n, C]
                const at::Tensor candidates = allowed.padded(allowed.tokens, 0);           // [n, C]
                const at::Tensor pick = at::multinomial(torch::softmax(padded, 1), 1, false, generator);  // [n, 1]
                next = candidates.gather(1, pick).squeeze(1);                             // [n]
            }

            const auto nextAcc = next.accessor<std::int64_t, 1>();
            std::vector<std::int64_t> keep;  // cache rows still running after this token
            std::vector<std::int64_t> keptTokens;
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t r = alive[i];
                const auto token = static_cast<flow::TokenId>(nextAcc[i]);
                generated[r].push_back(token);
                nodes[r] = nodes[r] == flow::TitleTrie::kNoNode ? nodes[r] : trie.child(nodes[r], token);
                // A free rollout stops on leaving the tree: every later reward is the penalty.
                if (token != term && nodes[r] != flow::TitleTrie::kNoNode) {
                    keep.push_back(i);
                    keptTokens.push_back(token);
                }
            }
            if (keep.empty() || (maxTokens > 0 && step + 1 >= maxTokens)) {
                std::vector<std::int64_t> rest;
                for (auto i : keep) rest.push_back(alive[i]);
                alive = std::move(rest);
                break;
            }
            if (static_cast<std::int64_t>(keep.size()) < n) {
                cache.reorder(torch::tensor(keep, torch::kLong).to(device));
            }
            std::vector<std::int64_t> rest;
            for (auto i : keep) rest.push_back(alive[i]);
            alive = std::move(rest);
            const auto m = static_cast<std::int64_t>(keep.size());
            const at::Tensor input = torch::tensor(keptTokens, torch::kLong).view({m, 1}).to(device);  // [m, 1]
            hidden = model.hiddenStates(input, torch::ones({m, 1}, longDev), &cache).select(1, 0);  // [m, D]
            logits = constraint == SamplingConstraint::Free ? model.logitsFrom(hidden) : at::Tensor();  // [m, V]
        }

    }  // inference mode

    SampledTitles out;
    out.samplesPerPrompt = samplesPerPrompt;
    std::int64_t L = 1;
    for (const auto& g : generated) L = std::max<std::int64_t>(L, static_cast<std::int64_t>(g.size()));
    out.tokens = torch::full({N, L}, static_cast<std::int64_t>(term), torch::kLong);
    out.lengths = torch::zeros({N}, torch::kLong);
    auto tok = out.tokens.accessor<std::int64_t, 2>();
    auto len = out.lengths.accessor<std::int64_t, 1>();
    for (std::int64_t r = 0; r < N; ++r) {
        for (std::size_t t = 0; t < generated[r].size(); ++t) tok[r][static_cast<std::int64_t>(t)] = generated[r][t];
        len[r] = static_cast<std::int64_t>(generated[r].size());
        out.endNodes.push_back(nodes[r]);
        out.titles.push_back(nodes[r] != flow::TitleTrie::kNoNode && trie.isTerminal(nodes[r])
                                 ? trie.titlesBelow(nodes[r]).front()
                                 : -1);
    }
    return out;
}

}  // namespace flower::train
