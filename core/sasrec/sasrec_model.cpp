#include "core/sasrec/sasrec_model.h"

#include "core/sasrec/dropout.h"
#include "core/util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace flower::sasrec {

SasRecImpl::SasRecImpl(const SasRecConfig& c) : config_(c) {
    if (c.items < 1 || c.maxLength < 1 || c.hidden < 1 || !(c.dropout >= 0.0 && c.dropout < 1.0)) {
        throw Error({"", 0, "sasrec"}, "SASRec needs items ≥ 1, maxLength ≥ 1, hidden ≥ 1 and a "
                                       "dropout in [0, 1)");
    }
    using torch::nn::LayerNormOptions;
    item_embeddings = register_module("item_embeddings", torch::nn::Embedding(c.items + 1, c.hidden));
    positional_embeddings =
        register_module("positional_embeddings", torch::nn::Embedding(c.maxLength, c.hidden));
    ln_1 = register_module("ln_1", torch::nn::LayerNorm(LayerNormOptions({c.hidden})));
    ln_2 = register_module("ln_2", torch::nn::LayerNorm(LayerNormOptions({c.hidden})));
    ln_3 = register_module("ln_3", torch::nn::LayerNorm(LayerNormOptions({c.hidden})));
    mh_attn = register_module("mh_attn", SasRecAttention(c.hidden, c.dropout));
    feed_forward = register_module("feed_forward", SasRecFeedForward(c.hidden, c.dropout));
    s_fc = register_module("s_fc", torch::nn::Linear(c.hidden, c.items));
}

void SasRecImpl::initWeights(std::uint64_t seed) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
    torch::NoGradGuard noGrad;
    // PyTorch's reset_parameters for Linear/Conv1d: kaiming_uniform(a = √5) → U(±1/√fan_in)
    // for the weight, and U(±1/√fan_in) for the bias.
    auto uniformFanIn = [&](torch::Tensor& w, torch::Tensor& b) {
        const double bound = 1.0 / std::sqrt(static_cast<double>(w.numel() / w.size(0)));
        w.uniform_(-bound, bound, g);
        b.uniform_(-bound, bound, g);
    };
    item_embeddings->weight.normal_(0.0, 0.01, g);
    positional_embeddings->weight.normal_(0.0, 1.0, g);
    for (auto* ln : {&ln_1, &ln_2, &ln_3, &feed_forward->layer_norm}) {
        (*ln)->weight.fill_(1.0);
        (*ln)->bias.zero_();
    }
    uniformFanIn(mh_attn->linear_q->weight, mh_attn->linear_q->bias);
    uniformFanIn(mh_attn->linear_k->weight, mh_attn->linear_k->bias);
    uniformFanIn(mh_attn->linear_v->weight, mh_attn->linear_v->bias);
    uniformFanIn(feed_forward->w_1->weight, feed_forward->w_1->bias);
    uniformFanIn(feed_forward->w_2->weight, feed_forward->w_2->bias);
    uniformFanIn(s_fc->weight, s_fc->bias);
}

std::pair<torch::Tensor, torch::Tensor> SasRecImpl::embed(const torch::Tensor& states,
                                                          at::Generator* generator) {
    TORCH_CHECK(states.dim() == 2 && states.size(1) == config_.maxLength,
                "SASRec states must be [B, maxLength]");
    const torch::Tensor e = item_embeddings(states) + positional_embeddings->weight.unsqueeze(0);  // [B, T, D]
    const torch::Tensor m = states.ne(config_.items).unsqueeze(-1).to(e.scalar_type());  // [B, T, 1]
    return {dropout(e, config_.dropout, generator) * m, m};
}

torch::Tensor SasRecImpl::sequenceOutput(const torch::Tensor& states, at::Generator* generator) {
    const auto [seq, m] = embed(states, generator);                     // [B, T, D], [B, T, 1]
    const torch::Tensor a = mh_attn->forward(ln_1(seq), seq, generator);  // [B, T, D]
    const torch::Tensor f = feed_forward->forward(ln_2(a), generator) * m;  // [B, T, D]
    return ln_3(f);
}

torch::Tensor SasRecImpl::state(const torch::Tensor& states, const torch::Tensor& lengths,
                                at::Generator* generator) {
    const torch::Tensor seq = embed(states, generator).first;  // [B, T, D]
    const torch::Tensor last = lengths - 1;          // [B]
    const auto D = config_.hidden;
    const torch::Tensor at = seq.gather(1, last.view({-1, 1, 1}).expand({-1, 1, D})).squeeze(1);  // [B, D]
    const torch::Tensor a = mh_attn->forwardAt(ln_1(at), seq, last, generator);  // [B, D]
    // The mask at len − 1 is 1: that position holds the last real item.
    return ln_3(feed_forward->forward(ln_2(a), generator));  // [B, D]
}

torch::Tensor SasRecImpl::scoreAll(const torch::Tensor& state) { return s_fc(state); }

torch::Tensor SasRecImpl::scoreItems(const torch::Tensor& state, const torch::Tensor& items) {
    const torch::Tensor w = s_fc->weight.index_select(0, items.reshape(-1))
                                .view({items.size(0), items.size(1), -1});  // [B, K, D]
    const torch::Tensor b = s_fc->bias.index_select(0, items.reshape(-1)).view_as(items);  // [B, K]
    return torch::bmm(w, state.unsqueeze(-1)).squeeze(-1) + b;  // [B, K]
}

}  // namespace flower::sasrec
