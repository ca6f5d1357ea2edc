// Qwen2 checkpoints: save → load bit-identical (single file, shards, bf16), reload in a fresh
// `flower` process, and one test per checkpoint that must be refused.
#include "core/model/qwen2_checkpoint.h"
#include "core/model/safetensors_reader.h"
#include "core/model/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"
#include "tests/support/process.h"

#include <torch/torch.h>

#include <fstream>

using namespace flower::model;
namespace fs = std::filesystem;

namespace {

// A fresh folder per call, removed when the test process exits.
fs::path tempDir() {
    static int counter = 0;
    return flower::test::freshFolder("checkpoint-" + std::to_string(counter++));
}

Qwen2Config smallConfig(bool tied) {
    Qwen2Config c;
    c.hiddenSize = 32;
    c.intermediateSize = 48;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 4;
    c.numKeyValueHeads = 2;
    c.vocabSize = 40;
    c.tieWordEmbeddings = tied;
    c.eosTokenIds = {3};
    return c;
}

Qwen2ForCausalLM randomModel(bool tied, std::uint64_t seed) {
    Qwen2ForCausalLM model(smallConfig(tied));
    model->initWeights(seed);
    {
        // Non-trivial norms and biases, so that a mix-up of names would show.
        torch::NoGradGuard noGrad;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
        for (auto& p : model->parameters()) {
            if (p.dim() == 1) {
                p.add_(torch::randn(p.sizes(), gen));
            }
        }
    }
    return model;
}

bool sameParameters(Qwen2ForCausalLMImpl& a, Qwen2ForCausalLMImpl& b) {
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    if (pa.size() != pb.size()) {
        return false;
    }
    for (const auto& item : pa) {
        if (!pb.contains(item.key()) || !torch::equal(item.value(), pb[item.key()])) {
            return false;
        }
    }
    return true;
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Saves a model, then rewrites its weights as `edit` says; returns the load error ("" if none).
std::string loadErrorAfter(const std::function<void(NamedTensors&)>& edit) {
    Qwen2ForCausalLM model = randomModel(false, 5);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir);
    const SafetensorsReader reader(dir / "model.safetensors");
    NamedTensors tensors;
    for (const auto& name : reader.names()) {
        tensors.emplace_back(name, reader.tensor(name).clone());
    }
    edit(tensors);
    writeSafetensors(dir / "model.safetensors", tensors);
    return flower::test::errorOf([&] { loadQwen2(dir); });
}

bool mentions(const std::string& message, const std::string& part) {
    return flower::test::contains(message, part);
}

}  // namespace

class TestQwen2Checkpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripIsBitIdentical();
    void roundTripTiedHead();
    void roundTripShardedBf16();
    void reloadsInFreshProcess();
    void modelInfoListsTensors();
    void logitsRejectsIdsOutsideVocabulary();
    void rejectsMissingTensor();
    void rejectsShapeDisagreeingWithConfig();
    void rejectsUnexpectedTensor();
    void rejectsIntegerWeights();
    void refusesPickleDirectory();
};

void TestQwen2Checkpoint::roundTripIsBitIdentical() {
    Qwen2ForCausalLM model = randomModel(false, 1);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir);
    Qwen2ForCausalLM back = loadQwen2(dir);
    QVERIFY(sameParameters(*model, *back));
    // Saving the loaded model again reproduces the files byte for byte.
    const fs::path again = tempDir();
    saveQwen2(*back, again);
    QVERIFY(readAll(dir / "model.safetensors") == readAll(again / "model.safetensors"));
    QVERIFY(readAll(dir / "config.json") == readAll(again / "config.json"));
}

void TestQwen2Checkpoint::roundTripTiedHead() {
    Qwen2ForCausalLM model = randomModel(true, 2);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir);
    QVERIFY(!SafetensorsReader(dir / "model.safetensors").contains("lm_head.weight"));
    Qwen2ForCausalLM back = loadQwen2(dir);
    QVERIFY(back->config().tieWordEmbeddings);
    QVERIFY(sameParameters(*model, *back));
}

void TestQwen2Checkpoint::roundTripShardedBf16() {
    Qwen2ForCausalLM model = randomModel(false, 3);
    const fs::path dir = tempDir();
    SaveOptions options;
    options.dtype = torch::kBFloat16;
    options.maxShardBytes = 8000;
    saveQwen2(*model, dir, options);
    QVERIFY(fs::exists(dir / "model.safetensors.index.json"));
    QVERIFY(!fs::exists(dir / "model.safetensors"));
    QCOMPARE(Qwen2Config::load(dir / "config.json").torchDtype, std::string("bfloat16"));
    LoadOptions bf16;
    bf16.dtype = torch::kBFloat16;
    Qwen2ForCausalLM back = loadQwen2(dir, bf16);
    for (const auto& item : model->named_parameters()) {
        QVERIFY(torch::equal(item.value().to(torch::kBFloat16), back->named_parameters()[item.key()]));
    }
}

// A saved model, loaded by the `flower` program, computes the same logits as in this process.
void TestQwen2Checkpoint::reloadsInFreshProcess() {
    Qwen2ForCausalLM model = randomModel(false, 4);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir / "model");
    const torch::Tensor ids = torch::tensor({{0, 0, 5, 6, 7}, {1, 2, 3, 4, 5}}, torch::kLong);
    const torch::Tensor mask = torch::tensor({{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}}, torch::kLong);
    writeSafetensors(dir / "input.safetensors", {{"input_ids", ids}, {"attention_mask", mask}});
    const auto r = flower::test::runProcess({FLOWER_CLI_PATH, "logits", "--model", (dir / "model").string(),
                                             "--input", (dir / "input.safetensors").string(), "--out",
                                             (dir / "out.safetensors").string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const torch::Tensor got = SafetensorsReader(dir / "out.safetensors").tensor("logits");
    torch::NoGradGuard noGrad;
    const torch::Tensor want = model->forward(ids, mask);
    QVERIFY(got.sizes() == want.sizes());
    QVERIFY((got - want).abs().max().item<double>() <= 1e-6);
}

void TestQwen2Checkpoint::modelInfoListsTensors() {
    Qwen2ForCausalLM model = randomModel(false, 6);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir);
    const auto r = flower::test::runProcess({FLOWER_CLI_PATH, "model-info", dir.string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    QVERIFY2(mentions(r.out, "model.layers.1.mlp.down_proj.weight"), r.out.c_str());
    QVERIFY2(mentions(r.out, std::to_string(model->parameterCount()) + " stored"), r.out.c_str());
    const auto presets = flower::test::runProcess({FLOWER_CLI_PATH, "model-presets"});
    QCOMPARE(presets.exitCode, 0);
    QVERIFY2(mentions(presets.out, "tiny") && mentions(presets.out, "(default)"), presets.out.c_str());
}

void TestQwen2Checkpoint::logitsRejectsIdsOutsideVocabulary() {
    Qwen2ForCausalLM model = randomModel(true, 7);
    const fs::path dir = tempDir();
    saveQwen2(*model, dir / "model");
    writeSafetensors(dir / "input.safetensors", {{"input_ids", torch::tensor({{1, 40}}, torch::kLong)}});
    const auto r = flower::test::runProcess({FLOWER_CLI_PATH, "logits", "--model", (dir / "model").string(),
                                             "--input", (dir / "input.safetensors").string(), "--out",
                                             (dir / "out.safetensors").string()});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(mentions(r.err, "input_ids") && mentions(r.err, "[0, 40)"), r.err.c_str());
}

void TestQwen2Checkpoint::rejectsMissingTensor() {
    const std::string m = loadErrorAfter([](NamedTensors& t) {
        std::erase_if(t, [](const auto& nt) { return nt.first == "model.layers.1.self_attn.v_proj.bias"; });
    });
    QVERIFY2(mentions(m, "tensor model.layers.1.self_attn.v_proj.bias") && mentions(m, "missing"), m.c_str());
}

void TestQwen2Checkpoint::rejectsShapeDisagreeingWithConfig() {
    const std::string m = loadErrorAfter([](NamedTensors& t) {
        for (auto& [name, tensor] : t) {
            if (name == "model.layers.0.mlp.up_proj.weight") {
                tensor = torch::zeros({50, 32});
            }
        }
    });
    QVERIFY2(mentions(m, "model.safetensors") && mentions(m, "tensor model.layers.0.mlp.up_proj.weight") &&
                 mentions(m, "[50, 32]") && mentions(m, "[48, 32]"),
             m.c_str());
}

void TestQwen2Checkpoint::rejectsUnexpectedTensor() {
    const std::string m = loadErrorAfter(
        [](NamedTensors& t) { t.emplace_back("model.layers.2.mlp.up_proj.weight", torch::zeros({48, 32})); });
    QVERIFY2(mentions(m, "tensor model.layers.2.mlp.up_proj.weight") && mentions(m, "not a parameter"), m.c_str());
}

void TestQwen2Checkpoint::rejectsIntegerWeights() {
    const std::string m = loadErrorAfter([](NamedTensors& t) {
        for (auto& [name, tensor] : t) {
            if (name == "model.norm.weight") {
                tensor = tensor.to(torch::kInt);
            }
        }
    });
    QVERIFY2(mentions(m, "tensor model.norm.weight") && mentions(m, "I32"), m.c_str());
}

void TestQwen2Checkpoint::refusesPickleDirectory() {
    const fs::path dir = tempDir();
    smallConfig(false).save(dir / "config.json");
    std::ofstream(dir / "pytorch_model.bin") << "\x80\x02pickle";
    try {
        loadQwen2(dir);
        QFAIL("pickle checkpoint loaded");
    } catch (const flower::Error& e) {
        QVERIFY2(mentions(e.what(), "pytorch_model.bin") && mentions(e.what(), "Convert it to safetensors"), e.what());
    }
}

FLOWER_TEST_MAIN(TestQwen2Checkpoint, roundTripIsBitIdentical, roundTripTiedHead, roundTripShardedBf16,
                 reloadsInFreshProcess, modelInfoListsTensors, logitsRejectsIdsOutsideVocabulary,
                 rejectsMissingTensor, rejectsShapeDisagreeingWithConfig, rejectsUnexpectedTensor,
                 rejectsIntegerWeights, refusesPickleDirectory)
#ifdef FLOWER_TEST_QT
#include "test_qwen2_checkpoint.moc"
#endif
