#include "core/model/qwen2_checkpoint.h"

#include "core/model/checkpoint_reader.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <set>

namespace flower::model {

namespace {

std::string showShape(c10::IntArrayRef shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

bool ignorable(const std::string& name, const Qwen2Config& config) {
    // Old transformers versions stored the rotary frequencies; tied models sometimes carry a
    // copy of the embedding as lm_head.weight. Neither is a parameter here.
    const std::string inv = "rotary_emb.inv_freq";
    if (name.size() >= inv.size() && name.compare(name.size() - inv.size(), inv.size(), inv) == 0) {
        return true;
    }
    return config.tieWordEmbeddings && name == "lm_head.weight";
}

}  // namespace

c10::ScalarType dtypeFromName(const std::string& name) {
    if (name == "float32") return torch::kFloat;
    if (name == "bfloat16") return torch::kBFloat16;
    if (name == "float16") return torch::kHalf;
    if (name == "float64") return torch::kDouble;
    throw Error({"", 0, "dtype"}, "expected float32, bfloat16, float16 or float64, got \"" + name + "\"");
}

std::string dtypeToName(c10::ScalarType dtype) {
    switch (dtype) {
    case c10::kFloat: return "float32";
    case c10::kBFloat16: return "bfloat16";
    case c10::kHalf: return "float16";
    case c10::kDouble: return "float64";
    default: throw Error(std::string("unsupported model dtype ") + c10::toString(dtype));
    }
}

void loadQwen2Weights(Qwen2ForCausalLMImpl& model, const CheckpointReader& checkpoint) {
    torch::NoGradGuard noGrad;
    std::set<std::string> used;
    for (auto& item : model.named_parameters()) {
        const std::string& name = item.key();
        torch::Tensor& param = item.value();
        if (!checkpoint.contains(name)) {
            throw Error({checkpoint.directory().string(), 0, "tensor " + name},
                        "missing from the checkpoint, but the config (" +
                            std::to_string(model.config().numHiddenLayers) + " layers, " +
                            (model.config().tieWordEmbeddings ? "tied" : "untied") +
                            " head) needs it");
        }
        const SafetensorsEntry& e = checkpoint.entry(name);
        const std::string file = checkpoint.fileOf(name).string();
        if (e.dtype != SafetensorsDtype::F32 && e.dtype != SafetensorsDtype::BF16 &&
            e.dtype != SafetensorsDtype::F16 && e.dtype != SafetensorsDtype::F64) {
            throw Error({file, 0, "tensor " + name}, "stored as " + std::string(dtypeName(e.dtype)) +
                                                         "; weights must be F32, BF16 or F16");
        }
        if (c10::IntArrayRef(e.shape) != param.sizes()) {
            throw Error({file, 0, "tensor " + name},
                        "shape " + showShape(e.shape) + " disagrees with config.json, which needs " +
                            showShape(param.sizes()));
        }
        param.copy_(checkpoint.tensor(name));  // converts dtype and device on the way
        used.insert(name);
    }
    for (const auto& name : checkpoint.names()) {
        if (!used.count(name) && !ignorable(name, model.config())) {
            throw Error({checkpoint.fileOf(name).string(), 0, "tensor " + name},
                        "not a parameter of a Qwen2 model with this config.json (" +
                            std::to_string(model.config().numHiddenLayers) + " layers, " +
                            (model.config().tieWordEmbeddings ? "tied" : "untied") + " head)");
        }
    }
}

Qwen2ForCausalLM loadQwen2(const std::filesystem::path& dir, const LoadOptions& options) {
    if (!std::filesystem::is_directory(dir)) {
        refusePickleCheckpoint(dir);
        throw Error({dir.string(), 0, ""}, "not a model directory (expected config.json + safetensors)");
    }
    const Qwen2Config config = Qwen2Config::load(dir / "config.json");
    const CheckpointReader checkpoint(dir);
    Qwen2ForCausalLM model(config);
    model->to(options.device, options.dtype);
    loadQwen2Weights(*model, checkpoint);
    return model;
}

void saveQwen2(Qwen2ForCausalLMImpl& model, const std::filesystem::path& dir,
               const SaveOptions& options) {
    NamedTensors tensors;
    c10::ScalarType stored = c10::kFloat;
    bool first = true;
    for (const auto& item : model.named_parameters()) {
        torch::Tensor t = item.value().detach();
        if (options.dtype) {
            t = t.to(*options.dtype);
        }
        if (first) {
            stored = t.scalar_type();
            first = false;
        }
        tensors.emplace_back(item.key(), t);
    }
    std::filesystem::create_directories(dir);
    Qwen2Config config = model.config();
    config.torchDtype = dtypeToName(stored);
    writeShardedSafetensors(dir, tensors, options.maxShardBytes);
    config.save(dir / "config.json");
}

}  // namespace flower::model
