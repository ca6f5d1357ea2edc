#include "core/model/grouped_decoder.h"

#include "core/model/attention_kernels.h"
#include "core/model/cpu_kernels.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/rotary_embedding.h"
#include "core/model/swiglu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace flower::model {

namespace {

constexpr std::int64_t kPanelWidth = 16;  // kernels::kPanel<float>; a multiple of kPanel<double>

std::int64_t roundUp(std::int64_t x, std::int64_t m) { return (x + m - 1) / m * m; }

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct LayerTensors {
    at::Tensor qkv, qkvBias, o, gateUp, down;  // concatenated projections [out, in]; o/down as in the module
    at::Tensor promptKeysT;    // [groups, Hkv, Dh, Pcap]: prompt keys transposed (the score product's B)
    at::Tensor promptValues;   // [groups, Hkv, Pcap, Dh]
    at::Tensor genKeys;        // [groups, Hkv, tokensPerGroup, Dh]: keys of generated node t at row t
    at::Tensor genValues;      // [groups, Hkv, tokensPerGroup, Dh]
};

}  // namespace

struct GroupedDecoder::Impl {
    Qwen2ForCausalLMImpl& model;
    std::int64_t groups, promptMax, promptCap, tokenCap, chainCap;
    std::int64_t D, H, Hkv, Dh, G;
    std::vector<LayerTensors> layers;
    std::vector<std::int64_t> promptLen;  // [groups]
    std::vector<std::int32_t> used;       // [groups] generated nodes allocated
    std::vector<std::int32_t> parent;     // [groups × tokenCap]
    std::vector<std::int32_t> depth;      // [groups × tokenCap] generated tokens before the node
    std::unique_ptr<bool[]> allowed;      // all true: every key a row reads is real

    // Twice the room for generated tokens in every group (the earlier tokens keep their nodes).
    void grow() {
        const std::int64_t cap = 2 * tokenCap;
        for (auto& t : layers) {
            for (at::Tensor* x : {&t.genKeys, &t.genValues}) {
                at::Tensor bigger = torch::zeros({groups, Hkv, cap, Dh}, x->options());
                bigger.narrow(2, 0, tokenCap).copy_(*x);
                *x = bigger;
            }
        }
        std::vector<std::int32_t> p(static_cast<std::size_t>(groups * cap), -1), d(static_cast<std::size_t>(groups * cap), 0);
        for (std::int64_t g = 0; g < groups; ++g) {
            std::copy_n(parent.begin() + g * tokenCap, tokenCap, p.begin() + g * cap);
            std::copy_n(depth.begin() + g * tokenCap, tokenCap, d.begin() + g * cap);
        }
        parent = std::move(p);
        depth = std::move(d);
        tokenCap = cap;
    }

    Impl(Qwen2ForCausalLMImpl& m, std::int64_t g, std::int64_t p, std::int64_t t, std::int64_t c)
        : model(m), groups(g), promptMax(p), promptCap(roundUp(p, kPanelWidth)), tokenCap(t), chainCap(c) {}
};

bool GroupedDecoder::applies(const Qwen2ForCausalLMImpl& model) {
    const auto& w = model.model->embed_tokens->weight;
    const auto& c = model.config();
    return w.is_cpu() && (w.scalar_type() == at::kFloat || w.scalar_type() == at::kDouble) &&
           c.headDim() % kPanelWidth == 0 && c.numAttentionHeads % c.numKeyValueHeads == 0;
}

GroupedDecoder::GroupedDecoder(Qwen2ForCausalLMImpl& model, std::int64_t groups, std::int64_t maxPromptTokens,
                               std::int64_t tokensPerGroup, std::int64_t longestChain) {
    TORCH_CHECK(applies(model), "GroupedDecoder: the model must be on the CPU in fp32 or fp64 with a head dimension "
                                "that is a multiple of ", kPanelWidth);
    TORCH_CHECK(groups > 0 && maxPromptTokens > 0 && tokensPerGroup > 0 && longestChain > 0,
                "GroupedDecoder: sizes must be positive");
    impl_ = std::make_unique<Impl>(model, groups, maxPromptTokens, tokensPerGroup, longestChain);
    Impl& s = *impl_;
    const auto& c = model.config();
    s.D = c.hiddenSize;
    s.H = c.numAttentionHeads;
    s.Hkv = c.numKeyValueHeads;
    s.Dh = c.headDim();
    s.G = s.H / s.Hkv;
    const auto options = model.model->embed_tokens->weight.options();
    for (const auto& module : *model.model->layers) {
        const auto* layer = module->as<Qwen2DecoderLayerImpl>();
        const auto& a = *layer->self_attn;
        const auto& mlp = *layer->mlp;
        LayerTensors t;
        t.qkv = torch::cat({a.q_proj->weight, a.k_proj->weight, a.v_proj->weight}, 0).contiguous();
        t.qkvBias = torch::cat({a.q_proj->bias, a.k_proj->bias, a.v_proj->bias}, 0).contiguous();
        t.o = a.o_proj->weight;
        t.gateUp = torch::cat({mlp.gate_proj->weight, mlp.up_proj->weight}, 0).contiguous();
        t.down = mlp.down_proj->weight;
        // Zeros, so that the panel columns past a prompt's length hold finite values.
        t.promptKeysT = torch::zeros({groups, s.Hkv, s.Dh, s.promptCap}, options);
        t.promptValues = torch::zeros({groups, s.Hkv, s.promptCap, s.Dh}, options);
        t.genKeys = torch::zeros({groups, s.Hkv, tokensPerGroup, s.Dh}, options);
        t.genValues = torch::zeros({groups, s.Hkv, tokensPerGroup, s.Dh}, options);
        s.layers.push_back(std::move(t));
    }
    s.promptLen.assign(static_cast<std::size_t>(groups), 0);
    s.used.assign(static_cast<std::size_t>(groups), 0);
    s.parent.assign(static_cast<std::size_t>(groups * tokensPerGroup), -1);
    s.depth.assign(static_cast<std::size_t>(groups * tokensPerGroup), 0);
    const std::int64_t width = s.promptCap + s.chainCap;
    s.allowed = std::make_unique<bool[]>(static_cast<std::size_t>(width));
    std::fill(s.allowed.get(), s.allowed.get() + width, true);
}

GroupedDecoder::~GroupedDecoder() = default;

std::int64_t GroupedDecoder::promptLength(std::int64_t group) const {
    TORCH_CHECK(group >= 0 && group < impl_->groups, "GroupedDecoder: group ", group, " out of range");
    return impl_->promptLen[static_cast<std::size_t>(group)];
}

void GroupedDecoder::setPrompt(std::int64_t group, const KvCache& cache, std::int64_t row) {
    Impl& s = *impl_;
    TORCH_CHECK(group >= 0 && group < s.groups, "GroupedDecoder: group ", group, " out of range");
    TORCH_CHECK(row >= 0 && row < cache.batchSize(), "GroupedDecoder: row ", row, " outside the cache's ",
                cache.batchSize(), " rows");
    const at::Tensor real = cache.mask()[row].nonzero().squeeze(1);  // [P] positions of real tokens
    const std::int64_t P = real.size(0);
    TORCH_CHECK(P > 0 && P <= s.promptMax, "GroupedDecoder: prompt of ", P, " tokens (room for ", s.promptMax, ")");
    for (std::size_t l = 0; l < s.layers.size(); ++l) {
        const auto [keys, values] = cache.keysValues(static_cast<std::int64_t>(l));  // [B, Hkv, S, Dh]
        const at::Tensor k = keys[row].index_select(1, real);                        // [Hkv, P, Dh]
        const at::Tensor v = values[row].index_select(1, real);
        s.layers[l].promptKeysT[group].narrow(2, 0, P).copy_(k.transpose(1, 2));
        s.layers[l].promptValues[group].narrow(1, 0, P).copy_(v);
    }
    s.promptLen[static_cast<std::size_t>(group)] = P;
    s.used[static_cast<std::size_t>(group)] = 0;
}

namespace {

// Everything an attention task reads of one layer's step.
template <typename T>
struct AttentionView {
    const T* qkv;          // [n, (H + 2·Hkv)·Dh] projections
    const T* cos;          // [n, Dh]
    const T* sin;          // [n, Dh]
    T* promptKeysT;        // layer tensors (see LayerTensors)
    T* promptValues;
    T* genKeys;
    T* genValues;
    T* out;                // [n, H·Dh]
    const std::int32_t* nodes;   // [n] node of each row's new token
    const std::int32_t* chains;  // [n × chainCap] nodes from the first generated token to the new one
    const std::int32_t* chainLen;
    const std::int64_t* promptLen;  // [groups]
    const bool* allowed;
    std::int64_t H, Hkv, Dh, G, promptCap, tokenCap, chainCap;
    T scale;
};

// Rotary + key/value write + attention of the rows [r0, r1) of group g for K/V head kvh.
template <typename T>
void attendGroup(const AttentionView<T>& v, std::int64_t g, std::int64_t r0, std::int64_t r1, std::int64_t kvh,
                 std::vector<T>& scratch) {
    const std::int64_t Dh = v.Dh, G = v.G, W = (v.H + 2 * v.Hkv) * Dh;
    const std::int64_t nq = (r1 - r0) * G;
    const std::int64_t P = v.promptLen[g], ld = v.promptCap + v.chainCap;
    scratch.resize(static_cast<std::size_t>(nq * (2 * Dh + ld)));
    T* q = scratch.data();    // [nq, Dh] queries (row, head of this K/V head), rotated
    T* o = q + nq * Dh;       // [nq, Dh] outputs
    T* scores = o + nq * Dh;  // [nq, ld]: prompt scores, then the chain's
    const std::int64_t head = g * v.Hkv + kvh;
    T* genK = v.genKeys + head * v.tokenCap * Dh;
    T* genV = v.genValues + head * v.tokenCap * Dh;
    for (std::int64_t r = r0; r < r1; ++r) {
        const T* x = v.qkv + r * W;
        const T* c = v.cos + r * Dh;
        const T* s = v.sin + r * Dh;
        const std::int64_t node = v.nodes[r];
        kernels::rotaryRow(x + (v.H + kvh) * Dh, c, s, genK + node * Dh, Dh);
        std::copy(x + (v.H + v.Hkv + kvh) * Dh, x + (v.H + v.Hkv + kvh + 1) * Dh, genV + node * Dh);
        for (std::int64_t j = 0; j < G; ++j) kernels::rotaryRow(x + (kvh * G + j) * Dh, c, s, q + ((r - r0) * G + j) * Dh, Dh);
    }
    const std::int64_t width = roundUp(P, kPanelWidth);
    kernels::gemmPanels(nq, width, Dh, q, Dh, v.promptKeysT + head * Dh * v.promptCap, v.promptCap, scores, ld, false);
    for (std::int64_t i = 0; i < nq; ++i) {
        const std::int64_t r = r0 + i / G;
        const std::int32_t* chain = v.chains + r * v.chainCap;
        const std::int64_t L = v.chainLen[r];
        const T* qi = q + i * Dh;
        T* row = scores + i * ld;
        for (std::int64_t j = 0; j < L; ++j) {
            const T* k = genK + chain[j] * Dh;
            T dot = 0;
#pragma omp simd reduction(+ : dot)
            for (std::int64_t d = 0; d < Dh; ++d) dot += qi[d] * k[d];
            row[P + j] = dot;
        }
        kernels::attentionSoftmaxRow(row, v.allowed, P + L, 0, P + L, P + L, v.scale);
    }
    kernels::gemmPanels(nq, Dh, P, scores, ld, v.promptValues + head * v.promptCap * Dh, Dh, o, Dh, false);
    for (std::int64_t i = 0; i < nq; ++i) {
        const std::int64_t r = r0 + i / G, j = i % G;
        const std::int32_t* chain = v.chains + r * v.chainCap;
        const std::int64_t L = v.chainLen[r];
        T* oi = o + i * Dh;
        const T* p = scores + i * ld + P;
        for (std::int64_t t = 0; t < L; ++t) {
            const T* val = genV + chain[t] * Dh;
            const T w = p[t];
#pragma omp simd
            for (std::int64_t d = 0; d < Dh; ++d) oi[d] += w * val[d];
        }
        std::copy(oi, oi + Dh, v.out + r * v.H * Dh + (kvh * G + j) * Dh);
    }
}

template <typename T>
void attendAll(const AttentionView<T>& v, const std::vector<std::int64_t>& taskGroup,
               const std::vector<std::int64_t>& taskFrom, const std::vector<std::int64_t>& taskTo) {
    const auto tasks = static_cast<std::int64_t>(taskGroup.size()) * v.Hkv;
    at::parallel_for(0, tasks, 1, [&](std::int64_t begin, std::int64_t end) {
        std::vector<T> scratch;
        for (std::int64_t t = begin; t < end; ++t) {
            const auto i = static_cast<std::size_t>(t / v.Hkv);
            attendGroup(v, taskGroup[i], taskFrom[i], taskTo[i], t % v.Hkv, scratch);
        }
    });
}

template <typename T>
AttentionView<T> viewOf(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin, LayerTensors& t,
                        at::Tensor& out) {
    AttentionView<T> v{};
    v.qkv = qkv.data_ptr<T>();
    v.cos = cos.data_ptr<T>();
    v.sin = sin.data_ptr<T>();
    v.promptKeysT = t.promptKeysT.data_ptr<T>();
    v.promptValues = t.promptValues.data_ptr<T>();
    v.genKeys = t.genKeys.data_ptr<T>();
    v.genValues = t.genValues.data_ptr<T>();
    v.out = out.data_ptr<T>();
    return v;
}

}  // namespace

at::Tensor GroupedDecoder::step(std::span<const std::int64_t> groups, std::span<const std::int64_t> tokens,
                                std::span<const std::int32_t> parents, std::vector<std::int32_t>& nodes) {
    Impl& s = *impl_;
    const auto start = Clock::now();
    const auto n = static_cast<std::int64_t>(groups.size());
    TORCH_CHECK(tokens.size() == groups.size() && parents.size() == groups.size(),
                "GroupedDecoder::step: groups, tokens and parents differ in length");
    nodes.assign(static_cast<std::size_t>(n), 0);
    std::vector<std::int32_t> chains(static_cast<std::size_t>(n * s.chainCap));
    std::vector<std::int32_t> chainLen(static_cast<std::size_t>(n));
    std::vector<std::int64_t> positions(static_cast<std::size_t>(n));
    std::vector<std::int64_t> taskGroup, taskFrom, taskTo;
    std::vector<char> seen(static_cast<std::size_t>(s.groups), 0);
    lastKeys_ = 0;
    const std::vector<std::int32_t> usedBefore = s.used;  // restored when a row is refused
    try {
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t g = groups[static_cast<std::size_t>(i)];
        TORCH_CHECK(g >= 0 && g < s.groups, "GroupedDecoder::step: group ", g, " out of range");
        if (taskGroup.empty() || taskGroup.back() != g) {
            TORCH_CHECK(!seen[static_cast<std::size_t>(g)], "GroupedDecoder::step: rows of group ", g, " are not contiguous");
            TORCH_CHECK(s.promptLen[static_cast<std::size_t>(g)] > 0, "GroupedDecoder::step: group ", g, " has no prompt");
            seen[static_cast<std::size_t>(g)] = 1;
            taskGroup.push_back(g);
            taskFrom.push_back(i);
            taskTo.push_back(i);
        }
        ++taskTo.back();
        const std::int32_t p = parents[static_cast<std::size_t>(i)];
        std::int32_t& count = s.used[static_cast<std::size_t>(g)];
        TORCH_CHECK(p >= -1 && p < count, "GroupedDecoder::step: parent ", p, " of row ", i, " does not exist in group ", g);
        if (count == s.tokenCap) s.grow();
        const std::int32_t node = count++;
        const std::size_t at = static_cast<std::size_t>(g * s.tokenCap + node);
        const std::int32_t d = p < 0 ? 0 : s.depth[static_cast<std::size_t>(g * s.tokenCap + p)] + 1;
        TORCH_CHECK(d < s.chainCap, "GroupedDecoder::step: row ", i, " exceeds the longest chain ", s.chainCap);
        s.parent[at] = p;
        s.depth[at] = d;
        nodes[static_cast<std::size_t>(i)] = node;
        chainLen[static_cast<std::size_t>(i)] = d + 1;
        std::int32_t* chain = chains.data() + i * s.chainCap;
        for (std::int32_t k = d, cur = node; k >= 0; --k) {
            chain[k] = cur;
            cur = s.parent[static_cast<std::size_t>(g * s.tokenCap + cur)];
        }
        positions[static_cast<std::size_t>(i)] = s.promptLen[static_cast<std::size_t>(g)] + d;
        lastKeys_ += s.promptLen[static_cast<std::size_t>(g)] + d + 1;
    }
    } catch (...) {
        s.used = usedBefore;
        throw;
    }
    const auto& config = s.model.config();
    const auto& embedding = s.model.model->embed_tokens->weight;
    const at::Tensor ids = torch::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end()), torch::kLong);
    at::Tensor h = embedding.index_select(0, ids);  // [n, D], the residual stream (a new tensor: updated in place)
    auto [cos, sin] = rotaryCosSin(torch::tensor(positions, torch::kLong).view({n, 1}), s.Dh, config.ropeTheta,
                                   embedding.scalar_type());
    cos = cos.reshape({n, s.Dh}).contiguous();
    sin = sin.reshape({n, s.Dh}).contiguous();
    at::Tensor attended = at::empty({n, s.H * s.Dh}, h.options());
    const double scale = 1.0 / std::sqrt(static_cast<double>(s.Dh));
    std::size_t l = 0;
    for (const auto& module : *s.model.model->layers) {
        auto* layer = module->as<Qwen2DecoderLayerImpl>();
        LayerTensors& t = s.layers[l++];
        const at::Tensor x = layer->input_layernorm->forward(h);
        auto t0 = Clock::now();
        const at::Tensor qkv = at::addmm(t.qkvBias, x, t.qkv.t());  // [n, (H + 2·Hkv)·Dh]
        timing_.gemm += since(t0);
        t0 = Clock::now();
        const auto fill = [&](auto& view) {
            view.nodes = nodes.data();
            view.chains = chains.data();
            view.chainLen = chainLen.data();
            view.promptLen = s.promptLen.data();
            view.allowed = s.allowed.get();
            view.H = s.H;
            view.Hkv = s.Hkv;
            view.Dh = s.Dh;
            view.G = s.G;
            view.promptCap = s.promptCap;
            view.tokenCap = s.tokenCap;
            view.chainCap = s.chainCap;
        };
        if (h.scalar_type() == at::kFloat) {
            auto v = viewOf<float>(qkv, cos, sin, t, attended);
            fill(v);
            v.scale = static_cast<float>(scale);
            attendAll(v, taskGroup, taskFrom, taskTo);
        } else {
            auto v = viewOf<double>(qkv, cos, sin, t, attended);
            fill(v);
            v.scale = scale;
            attendAll(v, taskGroup, taskFrom, taskTo);
        }
        timing_.attention += since(t0);
        t0 = Clock::now();
        h.addmm_(attended, t.o.t());
        timing_.gemm += since(t0);
        const at::Tensor y = layer->post_attention_layernorm->forward(h);
        t0 = Clock::now();
        const at::Tensor gateUp = at::mm(y, t.gateUp.t());  // [n, 2F]
        timing_.gemm += since(t0);
        const at::Tensor act = swiglu(gateUp);  // [n, F]
        t0 = Clock::now();
        h.addmm_(act, t.down.t());
        timing_.gemm += since(t0);
    }
    const at::Tensor out = s.model.model->norm->forward(h);
    timing_.total += since(start);
    return out;
}

}  // namespace flower::model
