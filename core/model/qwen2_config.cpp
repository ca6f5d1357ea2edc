#include "core/model/qwen2_config.h"

#include "core/util/error.h"

#include <fstream>
#include <set>

namespace flower::model {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
    throw Error({source, 0, field}, what);
}

std::int64_t readInt(const nlohmann::json& v, const std::string& source, const std::string& key) {
    if (!v.is_number_integer()) {
        fail(source, key, "expected an integer, got " + v.dump());
    }
    return v.get<std::int64_t>();
}

double readNumber(const nlohmann::json& v, const std::string& source, const std::string& key) {
    if (!v.is_number()) {
        fail(source, key, "expected a number, got " + v.dump());
    }
    return v.get<double>();
}

// Keys this struct models; everything else is preserved in `extra`.
const std::set<std::string> kModelled = {
    "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "vocab_size", "rms_norm_eps", "rope_theta",
    "max_position_embeddings", "tie_word_embeddings", "torch_dtype", "initializer_range",
    "bos_token_id", "eos_token_id"};

// θ from transformers 5's "rope_parameters" ({"rope_type": "default", "rope_theta": θ}); only
// plain rotary embeddings are implemented. A top-level rope_theta (older writers) must agree.
double readRopeParameters(const nlohmann::json& j, const std::string& source, double ropeTheta) {
    const auto& r = j["rope_parameters"];
    const std::string field = "rope_parameters";
    if (!r.is_object() || !r.contains("rope_theta")) {
        fail(source, field, "expected an object with rope_theta (one set for all layers), got " + r.dump());
    }
    const std::string type = r.value("rope_type", r.value("type", std::string("default")));
    if (type != "default") {
        fail(source, field, "rope type \"" + type + "\" is not implemented (only plain rotary embeddings)");
    }
    if (r.contains("partial_rotary_factor") && r["partial_rotary_factor"] != 1.0) {
        fail(source, field, "partial rotary embeddings are not implemented, got partial_rotary_factor " +
                                r["partial_rotary_factor"].dump());
    }
    const double theta = readNumber(r["rope_theta"], source, "rope_parameters.rope_theta");
    if (j.contains("rope_theta") && theta != ropeTheta) {
        fail(source, field, "rope_theta " + r["rope_theta"].dump() + " disagrees with the top-level rope_theta " +
                                j["rope_theta"].dump());
    }
    return theta;
}

// Keys kept in `extra` whose values decide whether we can run the model at all.
void rejectUnsupported(const nlohmann::json& j, const std::string& source, std::int64_t hidden,
                       std::int64_t heads) {
    if (j.contains("model_type") && j["model_type"] != "qwen2") {
        fail(source, "model_type", "expected \"qwen2\" (Qwen2/Qwen2.5 architecture), got " +
                                       j["model_type"].dump());
    }
    if (j.contains("hidden_act") && j["hidden_act"] != "silu") {
        fail(source, "hidden_act", "only \"silu\" (SwiGLU) is implemented, got " + j["hidden_act"].dump());
    }
    if (j.contains("use_sliding_window") && j["use_sliding_window"] != false) {
        fail(source, "use_sliding_window", "sliding-window attention is not implemented; "
                                           "set it to false (full attention)");
    }
    if (j.contains("layer_types") && j["layer_types"].is_array()) {
        for (const auto& t : j["layer_types"]) {
            if (t != "full_attention") {
                fail(source, "layer_types", "only full_attention layers are implemented, got " + t.dump());
            }
        }
    }
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
        const auto& r = j["rope_scaling"];
        const auto type = r.is_object() ? r.value("rope_type", r.value("type", std::string())) : "";
        if (type != "default") {
            fail(source, "rope_scaling", "rope scaling " + r.dump() +
                                             " is not implemented (only plain rotary embeddings)");
        }
    }
    if (j.contains("attention_dropout") && j["attention_dropout"].is_number() &&
        j["attention_dropout"].get<double>() != 0.0) {
        fail(source, "attention_dropout", "attention dropout is not implemented; expected 0");
    }
    if (j.contains("head_dim") && !j["head_dim"].is_null() && heads > 0 &&
        (!j["head_dim"].is_number_integer() || j["head_dim"].get<std::int64_t>() != hidden / heads)) {
        fail(source, "head_dim", "expected hidden_size / num_attention_heads = " +
                                     std::to_string(hidden / heads) + ", got " + j["head_dim"].dump());
    }
}

}  // namespace

void Qwen2Config::validate(const std::string& source) const {
    auto positive = [&](std::int64_t v, const char* key) {
        if (v <= 0) {
            fail(source, key, "expected a positive integer, got " + std::to_string(v));
        }
    };
    positive(hiddenSize, "hidden_size");
    positive(intermediateSize, "intermediate_size");
    positive(numHiddenLayers, "num_hidden_layers");
    positive(numAttentionHeads, "num_attention_heads");
    positive(numKeyValueHeads, "num_key_value_heads");
    positive(vocabSize, "vocab_size");
    positive(maxPositionEmbeddings, "max_position_embeddings");
    if (hiddenSize % numAttentionHeads != 0) {
        fail(source, "num_attention_heads", "must divide hidden_size " + std::to_string(hiddenSize));
    }
    if (headDim() % 2 != 0) {
        fail(source, "num_attention_heads", "head dimension " + std::to_string(headDim()) +
                                                " must be even for rotary embeddings");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
        fail(source, "num_key_value_heads",
             "must divide num_attention_heads " + std::to_string(numAttentionHeads));
    }
    if (!(rmsNormEps > 0)) {
        fail(source, "rms_norm_eps", "expected a positive number");
    }
    if (!(ropeTheta > 0)) {
        fail(source, "rope_theta", "expected a positive number");
    }
    if (!(initializerRange > 0)) {
        fail(source, "initializer_range", "expected a positive number");
    }
    if (torchDtype != "float32" && torchDtype != "bfloat16" && torchDtype != "float16" &&
        torchDtype != "float64") {
        fail(source, "torch_dtype", "expected float32, bfloat16, float16 or float64, got \"" + torchDtype + "\"");
    }
    auto idInRange = [&](std::int64_t id, const char* key) {
        if (id < 0 || id >= vocabSize) {
            fail(source, key, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                  std::to_string(vocabSize) + ")");
        }
    };
    if (bosTokenId) {
        idInRange(*bosTokenId, "bos_token_id");
    }
    for (auto id : eosTokenIds) {
        idInRange(id, "eos_token_id");
    }
}

Qwen2Config Qwen2Config::fromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) {
        fail(source, "", "expected a JSON object");
    }
    Qwen2Config c;
    auto required = [&](const char* key) -> std::int64_t {
        if (!j.contains(key)) {
            fail(source, key, "missing (a Qwen2 config needs it)");
        }
        return readInt(j[key], source, key);
    };
    c.hiddenSize = required("hidden_size");
    c.intermediateSize = required("intermediate_size");
    c.numHiddenLayers = required("num_hidden_layers");
    c.numAttentionHeads = required("num_attention_heads");
    c.vocabSize = required("vocab_size");
    // Hugging Face's Qwen2Config defaults for the optional keys.
    c.numKeyValueHeads = c.numAttentionHeads;
    c.ropeTheta = 10000.0;
    c.tieWordEmbeddings = false;
    if (j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()) {
        c.numKeyValueHeads = readInt(j["num_key_value_heads"], source, "num_key_value_heads");
    }
    if (j.contains("rms_norm_eps")) c.rmsNormEps = readNumber(j["rms_norm_eps"], source, "rms_norm_eps");
    if (j.contains("rope_theta")) c.ropeTheta = readNumber(j["rope_theta"], source, "rope_theta");
    if (j.contains("initializer_range")) {
        c.initializerRange = readNumber(j["initializer_range"], source, "initializer_range");
    }
    if (j.contains("max_position_embeddings")) {
        c.maxPositionEmbeddings = readInt(j["max_position_embeddings"], source, "max_position_embeddings");
    }
    if (j.contains("tie_word_embeddings")) {
        if (!j["tie_word_embeddings"].is_boolean()) {
            fail(source, "tie_word_embeddings", "expected true or false, got " + j["tie_word_embeddings"].dump());
        }
        c.tieWordEmbeddings = j["tie_word_embeddings"].get<bool>();
    }
    // transformers ≥ 5 writes "dtype" where older versions wrote "torch_dtype".
    for (const char* key : {"torch_dtype", "dtype"}) {
        if (!j.contains(key) || j[key].is_null()) continue;
        if (!j[key].is_string()) {
            fail(source, key, "expected a string, got " + j[key].dump());
        }
        if (key == std::string("dtype") && j.contains("torch_dtype") && !j["torch_dtype"].is_null() &&
            j["torch_dtype"] != j["dtype"]) {
            fail(source, "dtype", "disagrees with torch_dtype " + j["torch_dtype"].dump());
        }
        c.torchDtype = j[key].get<std::string>();
    }
    // transformers ≥ 5 moved rope_theta (and rope_scaling) into "rope_parameters".
    if (j.contains("rope_parameters") && !j["rope_parameters"].is_null()) {
        c.ropeTheta = readRopeParameters(j, source, c.ropeTheta);
    }
    if (j.contains("bos_token_id") && !j["bos_token_id"].is_null()) {
        c.bosTokenId = readInt(j["bos_token_id"], source, "bos_token_id");
    }
    if (j.contains("eos_token_id") && !j["eos_token_id"].is_null()) {
        const auto& e = j["eos_token_id"];
        if (e.is_array()) {
            for (const auto& id : e) {
                c.eosTokenIds.push_back(readInt(id, source, "eos_token_id"));
            }
        } else {
            c.eosTokenIds.push_back(readInt(e, source, "eos_token_id"));
        }
    }
    rejectUnsupported(j, source, c.hiddenSize, c.numAttentionHeads);
    for (const auto& [key, value] : j.items()) {
        if (!kModelled.count(key)) {
            c.extra[key] = value;
        }
    }
    c.validate(source);
    return c;
}

nlohmann::json Qwen2Config::toJson() const {
    nlohmann::json j = extra.is_object() ? extra : nlohmann::json::object();
    if (!j.contains("architectures")) j["architectures"] = {"Qwen2ForCausalLM"};
    if (!j.contains("model_type")) j["model_type"] = "qwen2";
    if (!j.contains("hidden_act")) j["hidden_act"] = "silu";
    if (!j.contains("use_sliding_window")) j["use_sliding_window"] = false;
    j["hidden_size"] = hiddenSize;
    j["intermediate_size"] = intermediateSize;
    j["num_hidden_layers"] = numHiddenLayers;
    j["num_attention_heads"] = numAttentionHeads;
    j["num_key_value_heads"] = numKeyValueHeads;
    j["vocab_size"] = vocabSize;
    j["rms_norm_eps"] = rmsNormEps;
    j["rope_theta"] = ropeTheta;
    j["max_position_embeddings"] = maxPositionEmbeddings;
    j["tie_word_embeddings"] = tieWordEmbeddings;
    j["torch_dtype"] = torchDtype;
    // The transformers-5 spellings, kept in `extra` when the source had them, must say the same.
    if (j.contains("dtype")) j["dtype"] = torchDtype;
    if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
        j["rope_parameters"]["rope_theta"] = ropeTheta;
    }
    j["initializer_range"] = initializerRange;
    if (bosTokenId) j["bos_token_id"] = *bosTokenId;
    if (eosTokenIds.size() == 1) {
        j["eos_token_id"] = eosTokenIds.front();
    } else if (!eosTokenIds.empty()) {
        j["eos_token_id"] = eosTokenIds;
    }
    return j;
}

Qwen2Config Qwen2Config::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        fail(path.string(), "", "cannot open (a Hugging Face model directory has a config.json)");
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        fail(path.string(), "", std::string("not valid JSON: ") + e.what());
    }
    return fromJson(j, path.string());
}

void Qwen2Config::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::trunc);
    if (!out) {
        fail(path.string(), "", "cannot open for writing");
    }
    out << toJson().dump(2) << "\n";
    if (!out) {
        fail(path.string(), "", "write failed");
    }
}

}  // namespace flower::model
