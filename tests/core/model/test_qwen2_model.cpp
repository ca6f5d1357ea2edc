// Qwen2ForCausalLM on small random configs: Hugging Face parameter names, KV-cache decoding
// equal to a full forward (also after beam-style reordering), gradients vs finite differences,
// rotary and RMSNorm against hand-computed values.
#include "core/model/decode_step.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/model/rms_norm.h"
#include "core/model/rotary_embedding.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cmath>
#include <set>

using namespace flower::model;

namespace {

Qwen2Config smallConfig(bool tied) {
    Qwen2Config c;
    c.hiddenSize = 32;
    c.intermediateSize = 40;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 4;
    c.numKeyValueHeads = 2;
    c.vocabSize = 37;
    c.tieWordEmbeddings = tied;
    c.initializerRange = 0.2;  // large weights: attention patterns far from uniform
    return c;
}

// Left-padded batch: row r has `pads[r]` leading pads.
std::pair<torch::Tensor, torch::Tensor> paddedBatch(std::int64_t vocab, std::int64_t T,
                                                    const std::vector<std::int64_t>& pads,
                                                    std::uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto B = static_cast<std::int64_t>(pads.size());
    torch::Tensor ids = torch::randint(vocab, {B, T}, gen, torch::kLong);
    torch::Tensor mask = torch::ones({B, T}, torch::kLong);
    for (std::int64_t r = 0; r < B; ++r) {
        mask[r].narrow(0, 0, pads[static_cast<std::size_t>(r)]).zero_();
        ids[r].narrow(0, 0, pads[static_cast<std::size_t>(r)]).fill_(0);
    }
    return {ids, mask};
}

double maxAbs(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

}  // namespace

class TestQwen2Model : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void registersHuggingFaceNames();
    void tiedHeadHasNoLmHead();
    void logitsAtPicksFromTheHead();
    void initIsDeterministic();
    void rotaryRotatesPairs();
    void rmsNormMatchesHandComputation();
    void cacheDecodingEqualsFullForward();
    void cacheReorderEqualsFullForward();
    void reservedCacheWritesInPlaceAndCopiesStayApart();
    void gradientsMatchFiniteDifferences();
    void runsInBfloat16();
    void packedForwardEqualsPaddedForward();
    void decodeStepEqualsModulePath();
    void outputColumnsEqualFullForward();
};

void TestQwen2Model::registersHuggingFaceNames() {
    Qwen2Config c = smallConfig(false);
    c.numHiddenLayers = 1;
    Qwen2ForCausalLM model(c);
    std::set<std::string> names;
    for (const auto& p : model->named_parameters()) {
        names.insert(p.key());
    }
    const std::set<std::string> want = {
        "model.embed_tokens.weight",
        "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
        "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.k_proj.bias",
        "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.v_proj.bias",
        "model.layers.0.self_attn.o_proj.weight",
        "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
        "model.layers.0.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
        "model.norm.weight", "lm_head.weight"};
    QVERIFY(names == want);
    QCOMPARE(model->named_parameters()["model.layers.0.self_attn.k_proj.weight"].sizes().vec(),
             (std::vector<std::int64_t>{16, 32}));  // 2 KV heads × head dim 8
}

void TestQwen2Model::tiedHeadHasNoLmHead() {
    Qwen2ForCausalLM model(smallConfig(true));
    QVERIFY(!model->named_parameters().contains("lm_head.weight"));
    model->initWeights(3);
    torch::NoGradGuard noGrad;
    const torch::Tensor ids = torch::tensor({{1, 2, 3}}, torch::kLong);
    const torch::Tensor h = model->hiddenStates(ids);
    const torch::Tensor want = torch::matmul(h, model->model->embed_tokens->weight.t());
    QVERIFY(maxAbs(model->forward(ids), want) < 1e-6);
}

void TestQwen2Model::logitsAtPicksFromTheHead() {
    for (bool tied : {false, true}) {
        Qwen2ForCausalLM model(smallConfig(tied));
        model->initWeights(5);
        torch::NoGradGuard noGrad;
        const torch::Tensor h = torch::randn({3, model->config().hiddenSize});
        const torch::Tensor rows = torch::tensor({0, 2, 2, 1}, torch::kLong);
        const torch::Tensor tokens = torch::tensor({4, 0, 7, 4}, torch::kLong);
        const torch::Tensor full = model->logitsFrom(h);  // [3, V]
        const torch::Tensor want = full.index({rows, tokens});
        QVERIFY(maxAbs(model->logitsAt(h, rows, tokens), want) < 1e-5);
    }
}

void TestQwen2Model::initIsDeterministic() {
    Qwen2ForCausalLM a(smallConfig(false)), b(smallConfig(false)), c(smallConfig(false));
    a->initWeights(7);
    b->initWeights(7);
    c->initWeights(8);
    const auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
    for (const auto& item : pa) {
        QVERIFY(torch::equal(item.value(), pb[item.key()]));
    }
    QVERIFY(!torch::equal(pa["model.embed_tokens.weight"], pc["model.embed_tokens.weight"]));
    QCOMPARE(pa["model.norm.weight"].sum().item<double>(), 32.0);
    QCOMPARE(pa["model.layers.0.self_attn.q_proj.bias"].abs().sum().item<double>(), 0.0);
    const double sd = pa["model.embed_tokens.weight"].std().item<double>();
    QVERIFY(std::abs(sd - 0.2) < 0.02);
}

// Head dim 4, θ = 100: pair i rotates by angle p · 100^(−2i/4) = p · {1, 0.1}.
void TestQwen2Model::rotaryRotatesPairs() {
    const torch::Tensor pos = torch::tensor({{0, 3}}, torch::kLong);  // [1, 2]
    const auto [cos, sin] = rotaryCosSin(pos, 4, 100.0, torch::kDouble);
    const torch::Tensor x = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kDouble).view({1, 1, 1, 4})
                                .expand({1, 1, 2, 4});
    const torch::Tensor y = applyRotary(x, cos, sin);  // [1, 1, 2, 4]
    QVERIFY(maxAbs(y[0][0][0], x[0][0][0]) < 1e-12);   // position 0: identity
    // Pairs (x0, x2) = (1, 3) by angle 3 and (x1, x3) = (2, 4) by angle 0.3.
    const double a = 3.0, b = 0.3;
    const torch::Tensor want = torch::tensor({1 * std::cos(a) - 3 * std::sin(a), 2 * std::cos(b) - 4 * std::sin(b),
                                              3 * std::cos(a) + 1 * std::sin(a), 4 * std::cos(b) + 2 * std::sin(b)},
                                             torch::kDouble);
    QVERIFY(maxAbs(y[0][0][1], want) < 1e-6);  // angles go through fp32
}

void TestQwen2Model::rmsNormMatchesHandComputation() {
    RMSNorm norm(2, 0.0);
    {
        torch::NoGradGuard noGrad;
        norm->weight.copy_(torch::tensor({2.0, 0.5}));
    }
    const torch::Tensor y = norm(torch::tensor({{3.0f, 4.0f}}));
    const double rms = std::sqrt((9.0 + 16.0) / 2.0);
    QVERIFY(maxAbs(y, torch::tensor({{2 * 3 / rms, 0.5 * 4 / rms}}, torch::kFloat)) < 1e-6);
}

void TestQwen2Model::cacheDecodingEqualsFullForward() {
    Qwen2ForCausalLM model(smallConfig(true));
    model->initWeights(11);
    torch::NoGradGuard noGrad;
    // 3 rows × 24 tokens: the full forwards take the fused-projection path (≥ kFuseMinTokens),
    // the decoding steps the separate one, so this also checks that both agree.
    auto [ids, mask] = paddedBatch(37, 24, {0, 3, 1}, 5);
    // Prompt of 20 tokens, then one token, a chunk of two, and one token.
    KvCache cache(2);
    model->forward(ids.narrow(1, 0, 20), mask.narrow(1, 0, 20), &cache);
    double worst = 0;
    for (const auto& [from, len] : std::vector<std::pair<int, int>>{{20, 1}, {21, 2}, {23, 1}}) {
        const torch::Tensor step =
            model->forward(ids.narrow(1, from, len), mask.narrow(1, from, len), &cache);
        const torch::Tensor full = model->forward(ids.narrow(1, 0, from + len), mask.narrow(1, 0, from + len));
        worst = std::max(worst, maxAbs(step.select(1, len - 1), full.select(1, from + len - 1)));
    }
    QCOMPARE(cache.length(), std::int64_t{24});
    QVERIFY2(worst <= 1e-5, std::to_string(worst).c_str());
}

// Beam search: keep row 2, fork row 0 twice, then decode on; the cache must behave as if the
// reordered sequences had been run from the start.
void TestQwen2Model::cacheReorderEqualsFullForward() {
    Qwen2ForCausalLM model(smallConfig(false));
    model->initWeights(12);
    torch::NoGradGuard noGrad;
    auto [ids, mask] = paddedBatch(37, 6, {2, 0, 1}, 9);
    KvCache cache(2);
    model->forward(ids, mask, &cache);
    const torch::Tensor rows = torch::tensor({2, 0, 0}, torch::kLong);
    cache.reorder(rows);
    QCOMPARE(cache.batchSize(), std::int64_t{3});
    const torch::Tensor next = torch::tensor({{4, 5}, {6, 7}, {8, 9}}, torch::kLong);  // [3, 2]
    const torch::Tensor ones = torch::ones({3, 1}, torch::kLong);
    torch::Tensor step;
    for (int t = 0; t < 2; ++t) {
        step = model->forward(next.narrow(1, t, 1), ones, &cache);
    }
    const torch::Tensor fullIds = torch::cat({ids.index_select(0, rows), next}, 1);
    const torch::Tensor fullMask = torch::cat({mask.index_select(0, rows), torch::ones({3, 2}, torch::kLong)}, 1);
    const torch::Tensor full = model->forward(fullIds, fullMask);
    const double d = maxAbs(step.select(1, 0), full.select(1, 7));
    QVERIFY2(d <= 1e-5, std::to_string(d).c_str());
}

// KvCache::reserve: decoding into the room gives the full forward's logits (also after a
// reorder and past the room, where appends concatenate again); appends write in place (the
// returned K is a view of one buffer); a copy made mid-way and the original then decode
// different tokens without overwriting each other.
void TestQwen2Model::reservedCacheWritesInPlaceAndCopiesStayApart() {
    Qwen2ForCausalLM model(smallConfig(true));
    model->initWeights(13);
    torch::NoGradGuard noGrad;
    auto [ids, mask] = paddedBatch(37, 12, {0, 4}, 21);
    KvCache cache(2);
    model->forward(ids.narrow(1, 0, 6), mask.narrow(1, 0, 6), &cache);
    cache.reserve(4);  // room up to 10 tokens
    const torch::Tensor ones = torch::ones({2, 1}, torch::kLong);
    model->forward(ids.narrow(1, 6, 1), ones, &cache);
    KvCache copy = cache;  // 7 tokens each from here
    double worst = 0;
    auto check = [&](KvCache& c, const torch::Tensor& nextIds, std::int64_t upTo) {
        const torch::Tensor step = model->forward(nextIds, ones, &c).select(1, 0);
        const torch::Tensor fullIds = torch::cat({ids.narrow(1, 0, upTo - 1), nextIds}, 1);
        const torch::Tensor fullMask = torch::cat({mask.narrow(1, 0, upTo - 1), ones}, 1);
        worst = std::max(worst, maxAbs(step, model->forward(fullIds, fullMask).select(1, upTo - 1)));
    };
    check(cache, ids.narrow(1, 7, 1), 8);                          // in the room
    check(copy, torch::tensor({{3}, {5}}, torch::kLong), 8);       // the copy: its own token 8
    check(cache, ids.narrow(1, 8, 1), 9);                          // still right after the copy's append
    const torch::Tensor before = cache.append(1, torch::zeros({2, 2, 0, 8}), torch::zeros({2, 2, 0, 8})).first;
    check(cache, ids.narrow(1, 9, 1), 10);                         // last slot of the room
    QVERIFY(cache.append(1, torch::zeros({2, 2, 0, 8}), torch::zeros({2, 2, 0, 8})).first.data_ptr() ==
            before.data_ptr());  // the same buffer: written in place
    check(cache, ids.narrow(1, 10, 1), 11);                        // beyond the room: concatenates
    QVERIFY2(worst <= 1e-5, std::to_string(worst).c_str());
    QCOMPARE(cache.length(), std::int64_t{11});
    QCOMPARE(copy.length(), std::int64_t{8});
}

// Double precision, padded batch, next-token cross-entropy on real positions; central
// differences on a few entries of different parameter kinds.
void TestQwen2Model::gradientsMatchFiniteDifferences() {
    Qwen2Config c = smallConfig(false);
    c.hiddenSize = 16;
    c.intermediateSize = 24;
    c.vocabSize = 11;
    Qwen2ForCausalLM model(c);
    model->initWeights(21);
    model->to(torch::kDouble);
    for (const std::int64_t T : {6, 40}) {  // 2 × 40 tokens: fused projections (kFuseMinTokens)
        auto [ids, mask] = paddedBatch(11, T, {0, 2}, 4);
        auto loss = [&] {
            const torch::Tensor logits = model->forward(ids, mask);                      // [B, T, V]
            const torch::Tensor logp = torch::log_softmax(logits.narrow(1, 0, T - 1), -1);  // predict t+1
            const torch::Tensor tgt = ids.narrow(1, 1, T - 1);
            const torch::Tensor valid = (mask.narrow(1, 0, T - 1) * mask.narrow(1, 1, T - 1)).to(torch::kDouble);
            return -(logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1) * valid).sum() / valid.sum();
        };
        model->zero_grad();
        loss().backward();
        auto params = model->named_parameters();
        const std::vector<std::pair<std::string, std::int64_t>> probes = {
            {"model.embed_tokens.weight", 17},
            {"model.layers.0.self_attn.q_proj.weight", 5},
            {"model.layers.0.self_attn.k_proj.bias", 3},
            {"model.layers.1.self_attn.v_proj.weight", 40},
            {"model.layers.1.self_attn.o_proj.weight", 7},
            {"model.layers.0.mlp.gate_proj.weight", 9},
            {"model.layers.1.mlp.down_proj.weight", 2},
            {"model.layers.0.input_layernorm.weight", 1},
            {"model.norm.weight", 4},
            {"lm_head.weight", 30}};
        for (const auto& [name, index] : probes) {
            torch::Tensor p = params[name];
            const double analytic = p.grad().view(-1)[index].item<double>();
            const double eps = 1e-6;
            double plus = 0, minus = 0;
            {
                torch::NoGradGuard noGrad;
                auto flat = p.view(-1);
                const double orig = flat[index].item<double>();
                flat[index].fill_(orig + eps);
                plus = loss().item<double>();
                flat[index].fill_(orig - eps);
                minus = loss().item<double>();
                flat[index].fill_(orig);
            }
            const double numeric = (plus - minus) / (2 * eps);
            const double err = std::abs(analytic - numeric) / std::max(1e-6, std::abs(analytic) + std::abs(numeric));
            QVERIFY2(err < 1e-5, (name + ": analytic " + std::to_string(analytic) + " numeric " +
                                  std::to_string(numeric)).c_str());
            QVERIFY2(std::abs(analytic) > 1e-8, (name + " has no gradient").c_str());
        }
    }
}

void TestQwen2Model::runsInBfloat16() {
    Qwen2ForCausalLM model(qwen2Preset("nano", 50));
    model->initWeights(1);
    auto [ids, mask] = paddedBatch(50, 7, {0, 2}, 2);
    torch::NoGradGuard noGrad;
    const torch::Tensor f32 = model->forward(ids, mask);
    model->to(torch::kBFloat16);
    const torch::Tensor bf16 = model->forward(ids, mask);
    QVERIFY(bf16.scalar_type() == torch::kBFloat16);
    const torch::Tensor valid = mask.to(torch::kBool);
    const double d = (bf16.to(torch::kFloat) - f32).abs().amax(-1).masked_select(valid).max().item<double>();
    QVERIFY2(d < 0.05, std::to_string(d).c_str());
}

// Padding-heavy batches run packed (kPackMinPaddingShare): at the real tokens the hidden states
// and every parameter's gradient equal the padded form's (setPacking(false)), with and without a
// cache in front, fp64; the packed output is exactly zero at padding, which shows that the packed
// path ran. Right padding (continuations) and left padding (prompts) both, 3 × 30 tokens: the
// fused-projection path (≥ kFuseMinTokens real tokens) and, in the decoding chunk, the separate one.
void TestQwen2Model::packedForwardEqualsPaddedForward() {
    Qwen2ForCausalLM model(smallConfig(true));
    model->initWeights(17);
    model->to(torch::kDouble);
    auto [ids, mask] = paddedBatch(37, 30, {0, 9, 4}, 31);
    mask[0].narrow(0, 22, 8).zero_();  // row 0 right-padded too: holes at both ends across rows
    const torch::Tensor real = mask.to(torch::kBool);
    const torch::Tensor pad = real.logical_not();
    auto run = [&](bool packing, bool withCache) {
        model->model->setPacking(packing);
        model->zero_grad();
        torch::Tensor hidden;
        if (withCache) {
            KvCache cache(2);
            const auto [pids, pmask] = paddedBatch(37, 5, {2, 0, 1}, 32);
            model->hiddenStates(pids, pmask, &cache);
            hidden = model->hiddenStates(ids, mask, &cache);
        } else {
            hidden = model->hiddenStates(ids, mask);
        }
        const torch::Tensor logits = model->logitsFrom(hidden);
        // A loss that weighs every real position and logit differently.
        const torch::Tensor weights = torch::linspace(-1.0, 2.0, logits.numel(), torch::kDouble).view(logits.sizes());
        (logits * weights).masked_select(real.unsqueeze(-1).expand_as(logits)).sum().backward();
        std::vector<torch::Tensor> grads;
        for (const auto& p : model->parameters()) grads.push_back(p.grad().clone());
        return std::make_pair(hidden.detach(), grads);
    };
    for (const bool withCache : {false, true}) {
        const auto [packedHidden, packedGrads] = run(true, withCache);
        const auto [paddedHidden, paddedGrads] = run(false, withCache);
        QCOMPARE(packedHidden.masked_select(pad.unsqueeze(-1).expand_as(packedHidden)).abs().max().item<double>(), 0.0);
        QVERIFY(paddedHidden.masked_select(pad.unsqueeze(-1).expand_as(paddedHidden)).abs().max().item<double>() > 0);
        const double dh = (packedHidden - paddedHidden).masked_select(real.unsqueeze(-1).expand_as(packedHidden)).abs().max().item<double>();
        QVERIFY2(dh <= 1e-12, std::to_string(dh).c_str());
        double dg = 0;
        for (std::size_t i = 0; i < packedGrads.size(); ++i) dg = std::max(dg, maxAbs(packedGrads[i], paddedGrads[i]));
        QVERIFY2(dg <= 1e-10, std::to_string(dg).c_str());
    }
    model->model->setPacking(true);
}

// decodeStep (one OpenMP region for all layers of a decoding step) against the layers' modules:
// left-padded rows, steps in a reserved room with a reorder that drops and forks rows between
// them; the logits and every cached key/value must agree to fp32 rounding. The fast path must
// really run (decodeStepApplies), and never while gradients are recorded.
void TestQwen2Model::decodeStepEqualsModulePath() {
    Qwen2ForCausalLM model(smallConfig(false));
    model->initWeights(23);
    auto [ids, mask] = paddedBatch(37, 9, {0, 3, 5, 1, 0}, 41);
    torch::NoGradGuard noGrad;
    KvCache fast(2), slow(2);
    model->forward(ids, mask, &fast);
    slow = fast;
    fast.reserve(6);
    slow.reserve(6);
    std::vector<const Qwen2DecoderLayerImpl*> layers;
    for (const auto& layer : *model->model->layers) layers.push_back(layer->as<Qwen2DecoderLayerImpl>());
    const auto gen = at::make_generator<at::CPUGeneratorImpl>(43);
    double worst = 0;
    std::int64_t rows = 5;
    for (int step = 0; step < 5; ++step) {
        if (step == 2) {  // rows 1 and 3 finish, row 4 forks
            const torch::Tensor keep = torch::tensor({0, 2, 4, 4}, torch::kLong);
            fast.reorder(keep);
            slow.reorder(keep);
            rows = 4;
        }
        const torch::Tensor next = torch::randint(37, {rows, 1}, gen, torch::kLong);
        const torch::Tensor ones = torch::ones({rows, 1}, torch::kLong);
        QVERIFY(decodeStepApplies(layers, torch::zeros({rows, 32}), ones, &fast));
        const torch::Tensor a = model->forward(next, ones, &fast);
        setDecodeStepEnabled(false);
        const torch::Tensor b = model->forward(next, ones, &slow);
        setDecodeStepEnabled(true);
        worst = std::max(worst, maxAbs(a, b));
    }
    QVERIFY2(worst <= 1e-5, std::to_string(worst).c_str());
    const auto empty = torch::zeros({rows, 2, 0, 8});
    for (std::int64_t l = 0; l < 2; ++l) {
        const auto [kf, vf] = fast.append(l, empty, empty);
        const auto [ks, vs] = slow.append(l, empty, empty);
        QCOMPARE(kf.sizes().vec(), ks.sizes().vec());
        QVERIFY(maxAbs(kf, ks) <= 1e-5 && maxAbs(vf, vs) <= 1e-5);
    }
    {
        torch::AutoGradMode grad(true);
        QVERIFY(!decodeStepApplies(layers, torch::zeros({rows, 32}), torch::ones({rows, 1}), &fast));
    }
    QVERIFY(!decodeStepApplies(layers, torch::zeros({rows, 32}), torch::zeros({rows, 1}, torch::kLong), &fast));
}

// OutputColumns: the last layer computes only the asked columns' queries, attention and MLP.
// In fp64, packed and padded, with and without a cache in front: hidden states at the real
// tokens of the columns, every parameter's gradient of a loss on them, and the cache the
// forward leaves (its last layer's keys/values included) equal the full forward's.
void TestQwen2Model::outputColumnsEqualFullForward() {
    Qwen2ForCausalLM model(smallConfig(true));
    model->initWeights(19);
    model->to(torch::kDouble);
    auto [ids, mask] = paddedBatch(37, 30, {0, 9, 4}, 33);
    mask[0].narrow(0, 25, 5).zero_();  // right padding inside the columns too
    const std::int64_t from = 20, count = 8;
    const torch::Tensor real = mask.narrow(1, from, count).to(torch::kBool).unsqueeze(-1);  // [B, count, 1]
    auto run = [&](bool columns, bool packing, bool withCache) {
        model->model->setPacking(packing);
        model->zero_grad();
        KvCache cache(2);
        if (withCache) {
            const auto [pids, pmask] = paddedBatch(37, 5, {2, 0, 1}, 34);
            model->hiddenStates(pids, pmask, &cache);
        }
        KvCache* c = withCache ? &cache : nullptr;
        const torch::Tensor hidden = columns ? model->hiddenStates(ids, mask, c, {from, count})
                                             : model->hiddenStates(ids, mask, c).narrow(1, from, count);
        const torch::Tensor logits = model->logitsFrom(hidden);
        const torch::Tensor weights = torch::linspace(-1.0, 2.0, logits.numel(), torch::kDouble).view(logits.sizes());
        (logits * weights).masked_select(real.expand_as(logits)).sum().backward();
        std::vector<torch::Tensor> grads;
        for (const auto& p : model->parameters()) grads.push_back(p.grad().clone());
        const torch::Tensor keys = withCache ? cache.append(1, torch::zeros({3, 2, 0, 8}, torch::kDouble),
                                                            torch::zeros({3, 2, 0, 8}, torch::kDouble)).first.detach()
                                             : torch::Tensor();
        return std::make_tuple(hidden.detach(), grads, keys);
    };
    for (const bool packing : {true, false}) {
        for (const bool withCache : {false, true}) {
            const auto [h, g, k] = run(true, packing, withCache);
            const auto [hFull, gFull, kFull] = run(false, packing, withCache);
            QCOMPARE(h.sizes().vec(), hFull.sizes().vec());
            const double dh = (h - hFull).masked_select(real.expand_as(h)).abs().max().item<double>();
            QVERIFY2(dh <= 1e-12, std::to_string(dh).c_str());
            double dg = 0;
            for (std::size_t i = 0; i < g.size(); ++i) dg = std::max(dg, maxAbs(g[i], gFull[i]));
            QVERIFY2(dg <= 1e-10, std::to_string(dg).c_str());
            if (withCache) QVERIFY(maxAbs(k, kFull) <= 1e-12);
        }
    }
    model->model->setPacking(true);
    QVERIFY_THROWS_EXCEPTION(c10::Error, model->hiddenStates(ids, mask, nullptr, {25, 6}));
}

FLOWER_TEST_MAIN(TestQwen2Model, registersHuggingFaceNames, tiedHeadHasNoLmHead, logitsAtPicksFromTheHead,
                 initIsDeterministic,
                 rotaryRotatesPairs, rmsNormMatchesHandComputation, cacheDecodingEqualsFullForward,
                 cacheReorderEqualsFullForward, reservedCacheWritesInPlaceAndCopiesStayApart,
                 gradientsMatchFiniteDifferences, runsInBfloat16, packedForwardEqualsPaddedForward, decodeStepEqualsModulePath,
                 outputColumnsEqualFullForward)
#ifdef FLOWER_TEST_QT
#include "test_qwen2_model.moc"
#endif
