// Qwen2Config — the architecture of a Qwen2 decoder, read from and written to a Hugging Face
// config.json. Fields this project does not model are kept verbatim in `extra` and written
// back, so a loaded-then-saved checkpoint keeps its config. Features the model does not
// implement (sliding-window attention, rope scaling, another activation, a head_dim other
// than hidden/heads, attention dropout) are refused with a flower::Error naming the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flower::model {

struct Qwen2Config {
    std::int64_t hiddenSize = 256;              // hidden_size: width of the residual stream D
    std::int64_t intermediateSize = 1024;       // intermediate_size: SwiGLU inner width
    std::int64_t numHiddenLayers = 4;           // num_hidden_layers: decoder blocks
    std::int64_t numAttentionHeads = 4;         // num_attention_heads: query heads H
    std::int64_t numKeyValueHeads = 2;          // num_key_value_heads: K/V heads (GQA), divides H
    std::int64_t vocabSize = 0;                 // vocab_size: rows of embed_tokens / lm_head
    double rmsNormEps = 1e-6;                   // rms_norm_eps: RMSNorm epsilon
    double ropeTheta = 1'000'000.0;             // rope_theta: rotary base frequency
    std::int64_t maxPositionEmbeddings = 32768; // max_position_embeddings: longest sequence
    bool tieWordEmbeddings = true;              // tie_word_embeddings: lm_head shares embed_tokens
    std::string torchDtype = "float32";         // torch_dtype: dtype the weights are stored in
    double initializerRange = 0.02;             // initializer_range: std of the random init
    std::optional<std::int64_t> bosTokenId;     // bos_token_id: beginning-of-sequence id, if any
    std::vector<std::int64_t> eosTokenIds;      // eos_token_id: end id(s); a list in some configs
    nlohmann::json extra = nlohmann::json::object();  // every other key of config.json, kept as is

    std::int64_t headDim() const { return hiddenSize / numAttentionHeads; }

    // Throws flower::Error (field named) when a value is out of range or inconsistent.
    void validate(const std::string& source = "config") const;

    // `source` names the file in messages. Unknown keys go to `extra`.
    static Qwen2Config fromJson(const nlohmann::json& json, const std::string& source = "config.json");
    nlohmann::json toJson() const;

    static Qwen2Config load(const std::filesystem::path& path);
    void save(const std::filesystem::path& path) const;
};

}  // namespace flower::model
