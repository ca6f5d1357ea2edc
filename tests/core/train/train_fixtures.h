// Shared fixtures of the core/train tests: a 5-title prefix tree over a 12-token vocabulary and
// nano Qwen2 policies (random or all-zero weights, fp32 or fp64).
#pragma once

#include "core/flow/title_trie.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"

#include <torch/torch.h>

#include <vector>

namespace flower::test {

inline constexpr std::int64_t kVocab = 12;
inline constexpr flow::TokenId kTerm = 0;

// Titles [1,2], [1,3], [1,3,4], [5], [6,7] (⊤ = 0). "[1,3]" is a prefix of "[1,3,4]".
// Uniform children: P = 1/6, 1/12, 1/12, 1/3, 1/3.
inline flow::TitleTrie fiveTitleTrie() {
    const std::vector<flow::TitleItem> items = {{0, "a b"}, {1, "a c"}, {2, "a c d"}, {3, "e"}, {4, "f g"}};
    const std::vector<std::vector<flow::TokenId>> tokens = {{1, 2}, {1, 3}, {1, 3, 4}, {5}, {6, 7}};
    return flow::TitleTrie::fromTokens(items, tokens, kTerm);
}

inline model::Qwen2ForCausalLM nanoPolicy(std::uint64_t seed, torch::Dtype dtype = torch::kFloat) {
    model::Qwen2ForCausalLM policy(model::qwen2Preset("nano", kVocab));
    policy->initWeights(seed);
    policy->to(dtype);
    return policy;
}

// Every parameter zero: logits are 0 everywhere, so the constrained policy is uniform over children.
inline model::Qwen2ForCausalLM zeroPolicy() {
    model::Qwen2ForCausalLM policy(model::qwen2Preset("nano", kVocab));
    torch::NoGradGuard noGrad;
    for (auto& p : policy->parameters()) p.zero_();
    return policy;
}

inline at::Generator cpuGenerator(std::uint64_t seed) {
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

}  // namespace flower::test
