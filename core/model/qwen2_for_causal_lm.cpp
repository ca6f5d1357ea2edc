#include "core/model/qwen2_for_causal_lm.h"

#include "core/model/linear.h"

#include <torch/torch.h>

namespace flower::model {

Qwen2ForCausalLMImpl::Qwen2ForCausalLMImpl(const Qwen2Config& c) : config_(c) {
    c.validate();
    model = register_module("model", Qwen2Model(c));
    if (!c.tieWordEmbeddings) {
        lm_head = register_module(
            "lm_head", torch::nn::Linear(torch::nn::LinearOptions(c.hiddenSize, c.vocabSize).bias(false)));
    }
}

torch::Tensor Qwen2ForCausalLMImpl::hiddenStates(const torch::Tensor& inputIds,
                                                 const torch::Tensor& attentionMask,
                                                 KvCache* cache, OutputColumns outputs) {
    return model(inputIds, attentionMask, cache, outputs);
}

torch::Tensor Qwen2ForCausalLMImpl::logitsFrom(const torch::Tensor& hidden) {
    return applyLinear(hidden, lm_head ? lm_head->weight : model->embed_tokens->weight);  // [..., V]
}

torch::Tensor Qwen2ForCausalLMImpl::logitsAt(const torch::Tensor& hidden, const torch::Tensor& rows,
                                             const torch::Tensor& tokens) {
    const torch::Tensor& weight = lm_head ? lm_head->weight : model->embed_tokens->weight;  // [V, D]
    return (hidden.index_select(0, rows) * weight.index_select(0, tokens)).sum(-1);       // [K]
}

torch::Tensor Qwen2ForCausalLMImpl::forward(const torch::Tensor& inputIds,
                                            const torch::Tensor& attentionMask, KvCache* cache) {
    return logitsFrom(hiddenStates(inputIds, attentionMask, cache));  // [B, T, V]
}

void Qwen2ForCausalLMImpl::initWeights(std::uint64_t seed) {
    torch::NoGradGuard noGrad;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& item : named_parameters()) {
        const std::string& name = item.key();
        torch::Tensor& p = item.value();
        torch::Tensor value = torch::empty(p.sizes(), torch::kFloat);
        auto endsWith = [&](const std::string& s) {
            return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
        };
        if (endsWith("layernorm.weight") || name == "model.norm.weight") {
            value.fill_(1.0);
        } else if (endsWith(".bias")) {
            value.zero_();
        } else {
            value.normal_(0.0, config_.initializerRange, generator);
        }
        p.copy_(value);
    }
}

std::int64_t Qwen2ForCausalLMImpl::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) {
        n += p.numel();
    }
    return n;
}

}  // namespace flower::model
