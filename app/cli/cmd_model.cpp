// Model commands: `flower model-info DIR`, `flower model-presets`, `flower model-init`,
// `flower logits` — check that a checkpoint loads and computes what it should.
#include "command.h"

#include "core/model/checkpoint_reader.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/qwen2_config.h"
#include "core/model/qwen2_presets.h"
#include "core/model/safetensors_reader.h"
#include "core/model/safetensors_writer.h"
#include "core/run/experiment_config.h"
#include "core/run/resource_locator.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <string>

namespace {

using namespace flower::model;
using flower::run::DeviceChoice;

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

void printInfo(const std::string& dir) {
    const Qwen2Config c = Qwen2Config::load(std::filesystem::path(dir) / "config.json");
    const CheckpointReader checkpoint(dir);
    std::printf("model         %s\n", dir.c_str());
    std::printf("architecture  Qwen2: d=%lld, %lld layers, %lld heads (%lld KV, head dim %lld), "
                "FFN %lld, vocab %lld\n",
                static_cast<long long>(c.hiddenSize), static_cast<long long>(c.numHiddenLayers),
                static_cast<long long>(c.numAttentionHeads), static_cast<long long>(c.numKeyValueHeads),
                static_cast<long long>(c.headDim()), static_cast<long long>(c.intermediateSize),
                static_cast<long long>(c.vocabSize));
    std::printf("head          %s\n", c.tieWordEmbeddings ? "tied to embed_tokens" : "separate lm_head");
    std::printf("rope_theta    %g, rms_norm_eps %g, max positions %lld, torch_dtype %s\n", c.ropeTheta,
                c.rmsNormEps, static_cast<long long>(c.maxPositionEmbeddings), c.torchDtype.c_str());
    std::map<std::string, std::int64_t> byDtype;
    std::int64_t total = 0;
    for (const auto& name : checkpoint.names()) {
        const auto& e = checkpoint.entry(name);
        std::int64_t n = 1;
        for (auto d : e.shape) n *= d;
        byDtype[std::string(dtypeName(e.dtype))] += n;
        total += n;
    }
    std::printf("files         %zu\n", checkpoint.files().size());
    std::printf("parameters    %lld stored", static_cast<long long>(total));
    for (const auto& [dtype, n] : byDtype) {
        std::printf(", %s: %lld", dtype.c_str(), static_cast<long long>(n));
    }
    std::printf("\ntensors       %zu\n", checkpoint.names().size());
    for (const auto& name : checkpoint.names()) {
        const auto& e = checkpoint.entry(name);
        std::printf("  %-52s %-5s %-14s %s\n", name.c_str(), std::string(dtypeName(e.dtype)).c_str(),
                    shapeText(e.shape).c_str(), checkpoint.fileOf(name).filename().c_str());
    }
}

void runLogits(const std::string& modelDir, const std::string& input, const std::string& out,
               const std::string& dtype, const std::string& device) {
    LoadOptions options;
    options.dtype = dtypeFromName(dtype);
    options.device = torch::Device(flower::run::resolveDevice(
        device == "cuda" ? DeviceChoice::Cuda : device == "cpu" ? DeviceChoice::Cpu : DeviceChoice::Auto));
    Qwen2ForCausalLM model = loadQwen2(modelDir, options);
    model->eval();
    const SafetensorsReader reader(input);
    torch::Tensor ids = reader.tensor("input_ids");
    if (ids.dim() != 2 || !at::isIntegralType(ids.scalar_type(), false)) {
        throw flower::Error({input, 0, "tensor input_ids"}, "expected an integer tensor [B, T]");
    }
    ids = ids.to(torch::kLong);
    const std::int64_t vocab = model->config().vocabSize;
    if (ids.numel() > 0 && (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= vocab)) {
        throw flower::Error({input, 0, "tensor input_ids"},
                            "token ids must lie in [0, " + std::to_string(vocab) + ")");
    }
    torch::Tensor mask;
    if (reader.contains("attention_mask")) {
        mask = reader.tensor("attention_mask").to(torch::kLong);
        if (mask.sizes() != ids.sizes() || (mask.numel() > 0 && (mask.min().item<std::int64_t>() < 0 ||
                                                                 mask.max().item<std::int64_t>() > 1))) {
            throw flower::Error({input, 0, "tensor attention_mask"},
                                "expected 0/1 values of the same shape as input_ids");
        }
    }
    torch::NoGradGuard noGrad;
    ids = ids.to(options.device);
    if (mask.defined()) mask = mask.to(options.device);
    const torch::Tensor logits = model->forward(ids, mask).to(torch::kCPU, torch::kFloat);  // [B, T, V]
    writeSafetensors(out, {{"logits", logits}});
    std::printf("logits %s written to %s\n", shapeText(logits.sizes().vec()).c_str(), out.c_str());
}

const flower::cli::Registration kModelInfo(40, [](CLI::App& root) {
    auto* cmd = root.add_subcommand("model-info", "Summarise a Hugging Face Qwen2 model directory "
                                                  "(config, parameter count, dtypes, tensors)");
    auto dir = std::make_shared<std::string>();
    cmd->add_option("dir", *dir, "model directory (config.json + safetensors)")->required();
    cmd->callback([dir] { printInfo(*dir); });
});

const flower::cli::Registration kModelPresets(41, [](CLI::App& root) {
    auto* cmd = root.add_subcommand("model-presets", "List the named tiny model presets");
    auto vocab = std::make_shared<std::int64_t>(4254);
    cmd->add_option("--vocab", *vocab, "vocabulary size used for the parameter count")
        ->check(CLI::PositiveNumber);
    cmd->callback([vocab] {
        for (const auto& p : qwen2Presets()) {
            const Qwen2Config c = qwen2Preset(p.name, *vocab);
            const std::int64_t d = c.hiddenSize, f = c.intermediateSize, kv = c.numKeyValueHeads * c.headDim();
            const std::int64_t perLayer = d * d + 2 * d * kv + d + 2 * kv + d * d + 3 * d * f + 2 * d;
            const std::int64_t params = c.numHiddenLayers * perLayer + c.vocabSize * d + d;
            std::printf("%-8s %-60s %lld parameters at vocab %lld%s\n", p.name.c_str(),
                        p.description.c_str(), static_cast<long long>(params),
                        static_cast<long long>(*vocab), p.name == kDefaultQwen2Preset ? " (default)" : "");
        }
    });
});

const flower::cli::Registration kModelInit(42, [](CLI::App& root) {
    auto* cmd = root.add_subcommand("model-init", "Write a randomly initialised preset model "
                                                  "as a Hugging Face directory");
    struct Args {
        std::string preset = kDefaultQwen2Preset, out;
        std::int64_t vocab = 0;
        std::uint64_t seed = 0;
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--preset", a->preset, "preset name (flower model-presets)");
    cmd->add_option("--vocab", a->vocab, "vocabulary size")->required()->check(CLI::PositiveNumber);
    cmd->add_option("--seed", a->seed, "initialisation seed");
    cmd->add_option("--out", a->out, "output directory")->required();
    cmd->callback([a] {
        Qwen2ForCausalLM model(qwen2Preset(a->preset, a->vocab));
        model->initWeights(a->seed);
        saveQwen2(*model, a->out);
        std::printf("%s: %lld parameters written to %s\n", a->preset.c_str(),
                    static_cast<long long>(model->parameterCount()), a->out.c_str());
    });
});

const flower::cli::Registration kLogits(43, [](CLI::App& root) {
    auto* cmd = root.add_subcommand("logits", "Run a model's forward on input_ids/attention_mask "
                                              "from a safetensors file and write logits [B, T, V]");
    struct Args {
        std::string model, input, out, dtype = "float32", device = "cpu";
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--model", a->model, "model directory")->required();
    cmd->add_option("--input", a->input, "safetensors with input_ids [B, T] (+ attention_mask)")->required();
    cmd->add_option("--out", a->out, "safetensors file to write with logits (F32)")->required();
    cmd->add_option("--dtype", a->dtype, "dtype to run in: float32, bfloat16, float16, float64");
    cmd->add_option("--device", a->device, "cpu, cuda or auto (cuda when available)")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    cmd->callback([a] { runLogits(a->model, a->input, a->out, a->dtype, a->device); });
});

}  // namespace
