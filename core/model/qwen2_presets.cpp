#include "core/model/qwen2_presets.h"

#include "core/util/error.h"

namespace flower::model {

namespace {

Qwen2Config make(std::int64_t d, std::int64_t layers, std::int64_t heads, std::int64_t kvHeads,
                 std::int64_t ffn) {
    Qwen2Config c;
    c.hiddenSize = d;
    c.intermediateSize = ffn;
    c.numHiddenLayers = layers;
    c.numAttentionHeads = heads;
    c.numKeyValueHeads = kvHeads;
    c.vocabSize = 0;
    c.rmsNormEps = 1e-6;
    c.ropeTheta = 10000.0;  // short sequences (prompt + title): the classic base suffices
    c.maxPositionEmbeddings = 1024;
    c.tieWordEmbeddings = true;
    c.torchDtype = "float32";
    c.initializerRange = 0.02;
    return c;
}

}  // namespace

const std::vector<Qwen2Preset>& qwen2Presets() {
    static const std::vector<Qwen2Preset> presets = {
        {"nano", "d=64, 2 layers, 4 heads (2 KV), FFN 176: smoke tests", make(64, 2, 4, 2, 176)},
        {"micro", "d=128, 2 layers, 4 heads (2 KV), FFN 512: quick experiments",
         make(128, 2, 4, 2, 512)},
        {"tiny", "d=256, 4 layers, 4 heads (2 KV), FFN 1024: the CPU default",
         make(256, 4, 4, 2, 1024)},
    };
    return presets;
}

Qwen2Config qwen2Preset(const std::string& name, std::int64_t vocabSize,
                        std::optional<std::int64_t> bosTokenId, std::vector<std::int64_t> eosTokenIds) {
    std::string known;
    for (const auto& p : qwen2Presets()) {
        if (p.name == name) {
            Qwen2Config c = p.config;
            c.vocabSize = vocabSize;
            c.bosTokenId = bosTokenId;
            c.eosTokenIds = std::move(eosTokenIds);
            c.validate("preset " + name);
            return c;
        }
        known += (known.empty() ? "" : ", ") + p.name;
    }
    throw Error({"", 0, "preset"}, "unknown model preset \"" + name + "\" (known: " + known + ")");
}

}  // namespace flower::model
