// Gradient checkpointing of Qwen2ForCausalLM (core/model/layer_checkpoint.h): with the switch on,
// the loss, the logits and every parameter's gradient equal those of the plain path (float64
// to 1e-10, float32 to 1e-5) on a left-padded batch; each layer becomes one checkpoint node in
// the graph; with a KV cache or without grad mode the switch is ignored.
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <map>
#include <set>
#include <string>

using namespace flower::model;

namespace {

constexpr std::int64_t kVocab = 61;

Qwen2ForCausalLM makeModel(const std::string& preset, bool tied, torch::Dtype dtype) {
    Qwen2Config c = qwen2Preset(preset, kVocab);
    c.tieWordEmbeddings = tied;
    c.initializerRange = 0.1;  // larger than the default: attention far from uniform
    Qwen2ForCausalLM model(c);
    model->initWeights(7);
    model->to(dtype);
    return model;
}

// Left-padded batch: row r has pads[r] leading pads (id 0, mask 0).
std::pair<torch::Tensor, torch::Tensor> paddedBatch(std::int64_t T, const std::vector<std::int64_t>& pads) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
    const auto B = static_cast<std::int64_t>(pads.size());
    torch::Tensor ids = torch::randint(kVocab, {B, T}, gen, torch::kLong);
    torch::Tensor mask = torch::ones({B, T}, torch::kLong);
    for (std::int64_t r = 0; r < B; ++r) {
        mask[r].narrow(0, 0, pads[static_cast<std::size_t>(r)]).zero_();
        ids[r].narrow(0, 0, pads[static_cast<std::size_t>(r)]).fill_(0);
    }
    return {ids, mask};
}

// Next-token cross-entropy over positions t ≥ from whose token and target are both real; with
// `columns`, the forward computes only those positions' outputs (OutputColumns).
torch::Tensor lossOf(Qwen2ForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask,
                     std::int64_t from = 0, bool columns = false) {
    const std::int64_t T = ids.size(1), n = T - 1 - from;
    const torch::Tensor hidden = columns ? model->hiddenStates(ids, mask, nullptr, {from, n})
                                         : model->hiddenStates(ids, mask).narrow(1, from, n);  // [B, n, D]
    const torch::Tensor logp = torch::log_softmax(model->logitsFrom(hidden), -1);              // [B, n, V]
    const torch::Tensor valid = (mask.narrow(1, from, n) * mask.narrow(1, from + 1, n)).to(logp.scalar_type());
    const torch::Tensor picked = logp.gather(-1, ids.narrow(1, from + 1, n).unsqueeze(-1)).squeeze(-1);  // [B, n]
    return -(picked * valid).sum() / valid.sum();
}

struct Step {
    double loss = 0;
    std::map<std::string, torch::Tensor> grads;
};

Step trainingStep(Qwen2ForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask,
                  std::int64_t from = 0, bool columns = false) {
    model->zero_grad(true);
    const torch::Tensor loss = lossOf(model, ids, mask, from, columns);
    loss.backward();
    Step s;
    s.loss = loss.item<double>();
    for (const auto& p : model->named_parameters()) {
        if (p.value().requires_grad()) {
            s.grads[p.key()] = p.value().grad().defined() ? p.value().grad().clone() : torch::Tensor();
        }
    }
    return s;
}

// Nodes in the autograd graph behind `t` whose name contains `what`.
int countNodes(const torch::Tensor& t, const std::string& what) {
    std::set<torch::autograd::Node*> seen;
    std::vector<torch::autograd::Node*> todo;
    if (t.grad_fn()) todo.push_back(t.grad_fn().get());
    int n = 0;
    while (!todo.empty()) {
        torch::autograd::Node* node = todo.back();
        todo.pop_back();
        if (!seen.insert(node).second) continue;
        if (node->name().find(what) != std::string::npos) ++n;
        for (const auto& edge : node->next_edges()) {
            if (edge.function) todo.push_back(edge.function.get());
        }
    }
    return n;
}

// Checks that both steps agree: same loss, same set of gradients, each within `tol` (absolute,
// relative to the largest gradient entry of that parameter).
void compareSteps(const Step& plain, const Step& ckpt, double tol) {
    QVERIFY2(std::abs(plain.loss - ckpt.loss) <= tol,
             ("loss " + std::to_string(plain.loss) + " vs " + std::to_string(ckpt.loss)).c_str());
    QCOMPARE(ckpt.grads.size(), plain.grads.size());
    for (const auto& [name, g] : plain.grads) {
        const torch::Tensor& h = ckpt.grads.at(name);
        QVERIFY2(g.defined() && h.defined(), (name + " has no gradient").c_str());
        const double scale = std::max(1.0, g.abs().max().item<double>());
        const double d = (g - h).abs().max().item<double>() / scale;
        QVERIFY2(d <= tol, (name + ": max difference " + std::to_string(d)).c_str());
        QVERIFY2(g.abs().max().item<double>() > 0, (name + " has a zero gradient").c_str());
    }
}

}  // namespace

class TestGradientCheckpointing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void offByDefault();
    void gradientsEqualInFloat64();
    void gradientsEqualInFloat32();
    void forwardIsIdentical();
    void everyLayerIsOneCheckpointNode();
    void autogradGradLeavesDotGradAlone();
    void frozenEmbeddingStillTrainsLayers();
    void ignoredWithCache();
    void ignoredWithoutGradMode();
    void refusesDoubleBackward();
    void refusesWeightsChangedBeforeBackward();
    void outputColumnsWithCheckpointedLayers();
};

void TestGradientCheckpointing::offByDefault() {
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kFloat);
    QVERIFY(!model->gradientCheckpointing());
    model->setGradientCheckpointing(true);
    QVERIFY(model->gradientCheckpointing());
    QVERIFY(model->model->gradientCheckpointing());
    model->setGradientCheckpointing(false);
    QVERIFY(!model->gradientCheckpointing());
}

void TestGradientCheckpointing::gradientsEqualInFloat64() {
    for (const bool tied : {false, true}) {
        Qwen2ForCausalLM model = makeModel("nano", tied, torch::kDouble);
        // 2 × 6 tokens: separate q/k/v projections; 3 × 24: the fused GEMMs (kFuseMinTokens).
        for (const auto& [T, pads] : std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>>{
                 {6, {0, 3}}, {24, {0, 5, 11}}}) {
            auto [ids, mask] = paddedBatch(T, pads);
            model->setGradientCheckpointing(false);
            const Step plain = trainingStep(model, ids, mask);
            model->setGradientCheckpointing(true);
            const Step ckpt = trainingStep(model, ids, mask);
            compareSteps(plain, ckpt, 1e-10);
        }
    }
}

void TestGradientCheckpointing::gradientsEqualInFloat32() {
    Qwen2ForCausalLM model = makeModel("micro", false, torch::kFloat);
    auto [ids, mask] = paddedBatch(40, {0, 7, 20});
    model->setGradientCheckpointing(false);
    const Step plain = trainingStep(model, ids, mask);
    model->setGradientCheckpointing(true);
    const Step ckpt = trainingStep(model, ids, mask);
    compareSteps(plain, ckpt, 1e-5);
}

void TestGradientCheckpointing::forwardIsIdentical() {
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    auto [ids, mask] = paddedBatch(24, {0, 5, 11});
    const torch::Tensor plain = model->forward(ids, mask);  // [B, T, V]
    model->setGradientCheckpointing(true);
    const torch::Tensor ckpt = model->forward(ids, mask);
    QVERIFY(ckpt.requires_grad());
    // The checkpointed layers run the very same kernels on the same inputs, only without a graph.
    QVERIFY(torch::equal(plain, ckpt));
}

void TestGradientCheckpointing::everyLayerIsOneCheckpointNode() {
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kFloat);
    auto [ids, mask] = paddedBatch(6, {0, 2});
    const torch::Tensor plain = model->forward(ids, mask);
    QCOMPARE(countNodes(plain, "CheckpointedLayer"), 0);
    model->setGradientCheckpointing(true);
    const torch::Tensor ckpt = model->forward(ids, mask);
    QCOMPARE(countNodes(ckpt, "CheckpointedLayer"), static_cast<int>(model->config().numHiddenLayers));
    // What stays of the layers in the graph: their checkpoint nodes, nothing from inside them.
    // A layer's own nodes (parameter leaves aside, which the checkpoint node still feeds) are
    // what one more layer adds to the plain graph; counted this way, the check holds whatever
    // kernels the LibTorch version builds the layer from (1.13's plain attention, 2.x's SDPA).
    Qwen2Config shorter = model->config();
    shorter.numHiddenLayers -= 1;
    Qwen2ForCausalLM oneLess(shorter);
    const torch::Tensor plainOneLess = oneLess->forward(ids, mask);
    auto inner = [](const torch::Tensor& t) { return countNodes(t, "") - countNodes(t, "AccumulateGrad"); };
    const int perLayer = inner(plain) - inner(plainOneLess);
    const int L = static_cast<int>(model->config().numHiddenLayers);
    QVERIFY2(perLayer > 5, std::to_string(perLayer).c_str());
    QCOMPARE(inner(ckpt), inner(plain) - L * perLayer + L);
}

void TestGradientCheckpointing::autogradGradLeavesDotGradAlone() {
    // torch::autograd::grad must return the layer gradients, not accumulate them into .grad.
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    auto [ids, mask] = paddedBatch(6, {0, 3});
    model->zero_grad(true);
    std::vector<torch::Tensor> params = model->parameters();
    const auto plain = torch::autograd::grad({lossOf(model, ids, mask)}, params);
    model->setGradientCheckpointing(true);
    const auto ckpt = torch::autograd::grad({lossOf(model, ids, mask)}, params);
    QCOMPARE(ckpt.size(), plain.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(!params[i].grad().defined());
        QVERIFY((plain[i] - ckpt[i]).abs().max().item<double>() <= 1e-10);
    }
}

void TestGradientCheckpointing::frozenEmbeddingStillTrainsLayers() {
    // When the first layer's input needs no gradient, the layer's parameters still get theirs
    // (they are inputs of the checkpoint node, not reached through x).
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    model->model->embed_tokens->weight.requires_grad_(false);
    auto [ids, mask] = paddedBatch(6, {0, 3});
    const Step plain = trainingStep(model, ids, mask);
    model->setGradientCheckpointing(true);
    const Step ckpt = trainingStep(model, ids, mask);
    QVERIFY(plain.grads.count("model.embed_tokens.weight") == 0);
    compareSteps(plain, ckpt, 1e-10);
}

void TestGradientCheckpointing::ignoredWithCache() {
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    auto [ids, mask] = paddedBatch(8, {0, 3});
    const std::int64_t P = 5;
    KvCache plainCache(model->config().numHiddenLayers);
    const torch::Tensor plain = model->forward(ids.narrow(1, 0, P), mask.narrow(1, 0, P), &plainCache);
    const torch::Tensor plainNext = model->forward(ids.narrow(1, P, 3), mask.narrow(1, P, 3), &plainCache);
    model->setGradientCheckpointing(true);
    KvCache cache(model->config().numHiddenLayers);
    const torch::Tensor ckpt = model->forward(ids.narrow(1, 0, P), mask.narrow(1, 0, P), &cache);
    QCOMPARE(cache.length(), P);  // filled once, by the plain path
    QCOMPARE(countNodes(ckpt, "CheckpointedLayer"), 0);
    QVERIFY(torch::equal(plain, ckpt));
    const torch::Tensor next = model->forward(ids.narrow(1, P, 3), mask.narrow(1, P, 3), &cache);
    QCOMPARE(cache.length(), static_cast<std::int64_t>(8));
    QVERIFY(torch::equal(plainNext, next));
}

void TestGradientCheckpointing::ignoredWithoutGradMode() {
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    auto [ids, mask] = paddedBatch(24, {0, 5, 11});
    torch::NoGradGuard noGrad;
    const torch::Tensor plain = model->forward(ids, mask);
    model->setGradientCheckpointing(true);
    const torch::Tensor ckpt = model->forward(ids, mask);
    QVERIFY(!ckpt.requires_grad());
    QVERIFY(torch::equal(plain, ckpt));
}

void TestGradientCheckpointing::refusesDoubleBackward() {
    // The recomputation starts from a detached input: second derivatives would be wrong, so the
    // backward refuses create_graph instead (the plain path supports it).
    Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
    auto [ids, mask] = paddedBatch(6, {0, 3});
    const std::vector<torch::Tensor> params = model->parameters();
    const auto plain = torch::autograd::grad({lossOf(model, ids, mask)}, params, {}, true, /*create_graph=*/true);
    QVERIFY(plain[0].requires_grad());
    model->setGradientCheckpointing(true);
    const torch::Tensor loss = lossOf(model, ids, mask);
    QVERIFY_THROWS_EXCEPTION(c10::Error, torch::autograd::grad({loss}, params, {}, true, /*create_graph=*/true));
    loss.backward();  // the graph is intact: a plain backward still works
    QVERIFY(model->model->layers[0]->parameters()[0].grad().defined());
}

void TestGradientCheckpointing::refusesWeightsChangedBeforeBackward() {
    // Changing a weight in place between forward and backward is an error on the plain path
    // (autograd's version check); the recomputation must not silently use the new weight.
    for (const bool ckpt : {false, true}) {
        Qwen2ForCausalLM model = makeModel("nano", false, torch::kDouble);
        model->setGradientCheckpointing(ckpt);
        auto [ids, mask] = paddedBatch(6, {0, 3});
        const torch::Tensor loss = lossOf(model, ids, mask);
        {
            torch::NoGradGuard noGrad;
            model->model->layers[0]->named_parameters()["mlp.down_proj.weight"].add_(0.01);
        }
        QVERIFY_THROWS_EXCEPTION(c10::Error, loss.backward());
    }
}

// Checkpointed layers under a last layer that computes only the loss's columns: the same loss
// and gradients as the plain full forward (fp64).
void TestGradientCheckpointing::outputColumnsWithCheckpointedLayers() {
    Qwen2ForCausalLM model = makeModel("nano", true, torch::kDouble);
    auto [ids, mask] = paddedBatch(24, {0, 5, 11});
    model->setGradientCheckpointing(false);
    const Step plain = trainingStep(model, ids, mask, 15, false);
    model->setGradientCheckpointing(true);
    const Step ckpt = trainingStep(model, ids, mask, 15, true);
    QVERIFY(std::abs(plain.loss - ckpt.loss) <= 1e-12);
    compareSteps(plain, ckpt, 1e-10);
}

FLOWER_TEST_MAIN(TestGradientCheckpointing, offByDefault, gradientsEqualInFloat64, gradientsEqualInFloat32,
                 forwardIsIdentical, everyLayerIsOneCheckpointNode, autogradGradLeavesDotGradAlone,
                 frozenEmbeddingStillTrainsLayers, ignoredWithCache, ignoredWithoutGradMode,
                 refusesDoubleBackward, refusesWeightsChangedBeforeBackward, outputColumnsWithCheckpointedLayers)

#ifdef FLOWER_TEST_QT
#include "test_gradient_checkpointing.moc"
#endif
