// Qwen2Config ↔ config.json: defaults, unknown fields preserved, and one test per rejected input.
#include "core/model/qwen2_config.h"
#include "core/model/qwen2_presets.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <filesystem>

using flower::model::Qwen2Config;
using nlohmann::json;

namespace {

json baseJson() {
    return json::parse(R"({
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
        "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512,
        "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "tie_word_embeddings": true, "torch_dtype": "float32", "bos_token_id": 500,
        "eos_token_id": 501, "use_sliding_window": false, "sliding_window": 4096,
        "transformers_version": "4.43.1", "use_cache": true, "my_tool": {"notes": [1, 2]}})");
}

// The message of the flower::Error thrown for `j` with `key` set to `value` ("" if none).
std::string errorFor(const std::string& key, const json& value) {
    json j = baseJson();
    if (value.is_discarded()) {
        j.erase(key);
    } else {
        j[key] = value;
    }
    try {
        Qwen2Config::fromJson(j, "config.json");
    } catch (const flower::Error& e) {
        return e.what();
    }
    return "";
}

bool rejectedNaming(const std::string& key, const json& value, const std::string& field) {
    const std::string m = errorFor(key, value);
    return m.find("config.json") != std::string::npos &&
           m.find("field " + field) != std::string::npos;
}

}  // namespace

class TestQwen2Config : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsFields();
    void defaultsLikeTransformers();
    void preservesUnknownFieldsOnSave();
    void keepsEosList();
    void readsTransformers5Spelling();
    void rejectsRopeParameters();
    void presetsAreValid();
    void rejectsSlidingWindow();
    void rejectsRopeScaling();
    void rejectsOtherActivation();
    void rejectsOtherModelType();
    void rejectsHeadDimMismatch();
    void rejectsAttentionDropout();
    void rejectsMissingSize();
    void rejectsWrongType();
    void rejectsHeadsNotDividingHidden();
    void rejectsKvHeadsNotDividingHeads();
    void rejectsTokenIdOutsideVocabulary();
    void rejectsUnknownDtype();
    void rejectsUnknownPreset();
};

void TestQwen2Config::readsFields() {
    const Qwen2Config c = Qwen2Config::fromJson(baseJson());
    QCOMPARE(c.hiddenSize, std::int64_t{64});
    QCOMPARE(c.intermediateSize, std::int64_t{176});
    QCOMPARE(c.numKeyValueHeads, std::int64_t{2});
    QCOMPARE(c.headDim(), std::int64_t{16});
    QCOMPARE(c.ropeTheta, 1e6);
    QCOMPARE(c.rmsNormEps, 1e-6);
    QVERIFY(c.tieWordEmbeddings);
    QCOMPARE(*c.bosTokenId, std::int64_t{500});
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{501});
}

void TestQwen2Config::defaultsLikeTransformers() {
    json j = baseJson();
    for (const char* key : {"num_key_value_heads", "rope_theta", "tie_word_embeddings", "bos_token_id",
                            "eos_token_id", "rms_norm_eps"}) {
        j.erase(key);
    }
    const Qwen2Config c = Qwen2Config::fromJson(j);
    QCOMPARE(c.numKeyValueHeads, std::int64_t{4});
    QCOMPARE(c.ropeTheta, 10000.0);
    QVERIFY(!c.tieWordEmbeddings);
    QVERIFY(!c.bosTokenId.has_value());
    QCOMPARE(c.rmsNormEps, 1e-6);
}

void TestQwen2Config::preservesUnknownFieldsOnSave() {
    const auto path = std::filesystem::temp_directory_path() /
                      ("flower_test_config_" + std::to_string(::getpid()) + ".json");
    Qwen2Config c = Qwen2Config::fromJson(baseJson());
    c.hiddenSize = 128;  // a changed field is written, the unknown ones kept
    c.save(path);
    const Qwen2Config back = Qwen2Config::load(path);
    std::filesystem::remove(path);
    QCOMPARE(back.hiddenSize, std::int64_t{128});
    QCOMPARE(back.extra.at("transformers_version").get<std::string>(), std::string("4.43.1"));
    QCOMPARE(back.extra.at("sliding_window").get<int>(), 4096);
    QVERIFY(back.extra.at("my_tool") == baseJson().at("my_tool"));
    json expected = baseJson();
    expected["hidden_size"] = 128;
    expected["initializer_range"] = 0.02;  // modelled field with its default, now explicit
    QVERIFY(back.toJson() == expected);
}

void TestQwen2Config::keepsEosList() {
    json j = baseJson();
    j["eos_token_id"] = {501, 502};
    const Qwen2Config c = Qwen2Config::fromJson(j);
    QCOMPARE(c.eosTokenIds, (std::vector<std::int64_t>{501, 502}));
    QVERIFY(c.toJson().at("eos_token_id") == j.at("eos_token_id"));
}

// transformers ≥ 5 writes "dtype" and "rope_parameters" instead of "torch_dtype" and "rope_theta".
void TestQwen2Config::readsTransformers5Spelling() {
    json j = baseJson();
    j.erase("rope_theta");
    j.erase("torch_dtype");
    j["dtype"] = "bfloat16";
    j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 500000.0}};
    Qwen2Config c = Qwen2Config::fromJson(j);
    QCOMPARE(c.ropeTheta, 500000.0);
    QCOMPARE(c.torchDtype, std::string("bfloat16"));
    c.ropeTheta = 250000.0;  // what is written follows the struct in both spellings
    c.torchDtype = "float32";
    const json out = c.toJson();
    QCOMPARE(out.at("rope_parameters").at("rope_theta").get<double>(), 250000.0);
    QCOMPARE(out.at("rope_theta").get<double>(), 250000.0);
    QCOMPARE(out.at("dtype").get<std::string>(), std::string("float32"));
    QCOMPARE(out.at("torch_dtype").get<std::string>(), std::string("float32"));
    QCOMPARE(Qwen2Config::fromJson(out).ropeTheta, 250000.0);
}

void TestQwen2Config::rejectsRopeParameters() {
    QVERIFY(rejectedNaming("rope_parameters", json{{"rope_type", "yarn"}, {"rope_theta", 1e6}, {"factor", 4.0}},
                           "rope_parameters"));
    // baseJson's top-level rope_theta is 1e6.
    QVERIFY(rejectedNaming("rope_parameters", json{{"rope_type", "default"}, {"rope_theta", 1e4}}, "rope_parameters"));
    QVERIFY(rejectedNaming("rope_parameters", json{{"full_attention", {{"rope_theta", 1e6}}}}, "rope_parameters"));
    QVERIFY(rejectedNaming("rope_parameters",
                           json{{"rope_type", "default"}, {"rope_theta", 1e6}, {"partial_rotary_factor", 0.5}},
                           "rope_parameters"));
    QVERIFY(rejectedNaming("dtype", "bfloat16", "dtype"));  // baseJson's torch_dtype is float32
    QVERIFY(errorFor("rope_parameters", json{{"rope_type", "default"}, {"rope_theta", 1e6}}).empty());
    QVERIFY(errorFor("rope_parameters", nullptr).empty());
}

void TestQwen2Config::presetsAreValid() {
    for (const auto& p : flower::model::qwen2Presets()) {
        const Qwen2Config c = flower::model::qwen2Preset(p.name, 4254, 0, {1});
        QCOMPARE(c.vocabSize, std::int64_t{4254});
        QCOMPARE(Qwen2Config::fromJson(c.toJson()).toJson(), c.toJson());
    }
    const Qwen2Config tiny = flower::model::qwen2Preset("tiny", 100);
    QCOMPARE(tiny.hiddenSize, std::int64_t{256});
    QCOMPARE(tiny.numHiddenLayers, std::int64_t{4});
}

void TestQwen2Config::rejectsSlidingWindow() {
    QVERIFY(rejectedNaming("use_sliding_window", true, "use_sliding_window"));
    QVERIFY(rejectedNaming("layer_types", json::array({"sliding_attention", "full_attention"}), "layer_types"));
}

void TestQwen2Config::rejectsRopeScaling() {
    QVERIFY(rejectedNaming("rope_scaling", json{{"type", "yarn"}, {"factor", 4.0}}, "rope_scaling"));
    QVERIFY(errorFor("rope_scaling", nullptr).empty());
    QVERIFY(errorFor("rope_scaling", json{{"rope_type", "default"}}).empty());
}

void TestQwen2Config::rejectsOtherActivation() {
    QVERIFY(rejectedNaming("hidden_act", "gelu", "hidden_act"));
}

void TestQwen2Config::rejectsOtherModelType() {
    QVERIFY(rejectedNaming("model_type", "qwen3", "model_type"));
}

void TestQwen2Config::rejectsHeadDimMismatch() {
    QVERIFY(rejectedNaming("head_dim", 32, "head_dim"));
    QVERIFY(errorFor("head_dim", 16).empty());
}

void TestQwen2Config::rejectsAttentionDropout() {
    QVERIFY(rejectedNaming("attention_dropout", 0.1, "attention_dropout"));
}

void TestQwen2Config::rejectsMissingSize() {
    QVERIFY(rejectedNaming("hidden_size", json(json::value_t::discarded), "hidden_size"));
}

void TestQwen2Config::rejectsWrongType() {
    QVERIFY(rejectedNaming("num_hidden_layers", "2", "num_hidden_layers"));
    QVERIFY(rejectedNaming("tie_word_embeddings", 1, "tie_word_embeddings"));
}

void TestQwen2Config::rejectsHeadsNotDividingHidden() {
    QVERIFY(rejectedNaming("num_attention_heads", 5, "num_attention_heads"));
}

void TestQwen2Config::rejectsKvHeadsNotDividingHeads() {
    QVERIFY(rejectedNaming("num_key_value_heads", 3, "num_key_value_heads"));
}

void TestQwen2Config::rejectsTokenIdOutsideVocabulary() {
    QVERIFY(rejectedNaming("eos_token_id", 512, "eos_token_id"));
}

void TestQwen2Config::rejectsUnknownDtype() {
    QVERIFY(rejectedNaming("torch_dtype", "int8", "torch_dtype"));
}

void TestQwen2Config::rejectsUnknownPreset() {
    try {
        flower::model::qwen2Preset("huge", 10);
        QFAIL("unknown preset accepted");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("tiny") != std::string::npos, e.what());
    }
}

FLOWER_TEST_MAIN(TestQwen2Config, readsFields, defaultsLikeTransformers, preservesUnknownFieldsOnSave,
                 keepsEosList, readsTransformers5Spelling, rejectsRopeParameters, presetsAreValid,
                 rejectsSlidingWindow, rejectsRopeScaling,
                 rejectsOtherActivation, rejectsOtherModelType, rejectsHeadDimMismatch,
                 rejectsAttentionDropout, rejectsMissingSize, rejectsWrongType,
                 rejectsHeadsNotDividingHidden, rejectsKvHeadsNotDividingHeads,
                 rejectsTokenIdOutsideVocabulary, rejectsUnknownDtype, rejectsUnknownPreset)
#ifdef FLOWER_TEST_QT
#include "test_qwen2_config.moc"
#endif
