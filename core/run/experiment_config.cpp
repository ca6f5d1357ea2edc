#include "core/run/experiment_config.h"

#include "core/model/qwen2_presets.h"
#include "core/run/experiment_config_detail.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

namespace flower::run {

using nlohmann::json;

namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Method, 4> kMethods = {{{Method::Sft, "sft"},
                                        {Method::Flower, "flower"},
                                        {Method::SftTemperature, "sft_temperature"},
                                        {Method::IFairLrs, "ifairlrs"}}};
constexpr Names<RewardVariant, 3> kRewards = {{{RewardVariant::Flow, "flow"},
                                               {RewardVariant::FlowDivPref, "flow_div_pref"},
                                               {RewardVariant::FlowPlusLogPref, "flow_plus_log_pref"}}};
constexpr Names<LrSchedule, 3> kSchedules = {{{LrSchedule::Constant, "constant"},
                                              {LrSchedule::Linear, "linear"},
                                              {LrSchedule::Cosine, "cosine"}}};
constexpr Names<Decoding, 4> kDecodings = {{{Decoding::Beam, "beam"},
                                            {Decoding::Temp, "temp"},
                                            {Decoding::D3, "d3"},
                                            {Decoding::Free, "free"}}};
constexpr Names<RolloutConstraint, 2> kRolloutConstraints = {{{RolloutConstraint::Trie, "trie"},
                                                               {RolloutConstraint::Free, "free"}}};
constexpr Names<PfNormalisation, 2> kPfNormalisations = {{{PfNormalisation::Vocabulary, "vocabulary"},
                                                          {PfNormalisation::Tree, "tree"}}};
constexpr Names<DeviceChoice, 3> kDevices = {{{DeviceChoice::Cpu, "cpu"},
                                              {DeviceChoice::Cuda, "cuda"},
                                              {DeviceChoice::Auto, "auto"}}};
constexpr Names<DType, 2> kDTypes = {{{DType::Float32, "float32"}, {DType::BFloat16, "bfloat16"}}};

// Model names: the model layer's CPU presets, plus the paper's Hugging Face checkpoints by name
// (a directory the training code resolves); anything else must be a path to a directory.
std::vector<std::string> knownModels() {
    std::vector<std::string> names;
    for (const auto& preset : model::qwen2Presets()) {
        names.push_back(preset.name);
    }
    for (const char* hf : {"Qwen2.5-0.5B", "Qwen2.5-1.5B", "Qwen2.5-3B"}) {
        names.emplace_back(hf);
    }
    return names;
}
const std::vector<std::string> kPromptTemplates = {"bigrec", "history_free"};
const std::vector<std::string> kSyntheticKeys = {"items", "users", "seed", "zipf"};

template <typename E, std::size_t N>
std::string_view nameOf(const Names<E, N>& names, E v) {
    for (const auto& [e, n] : names) {
        if (e == v) {
            return n;
        }
    }
    return names[0].second;
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    return out;
}

std::string typeName(const json& v) {
    if (v.is_number_integer()) {
        return "an integer";
    }
    if (v.is_number()) {
        return "a number";
    }
    if (v.is_string()) {
        return "a string";
    }
    if (v.is_boolean()) {
        return "a boolean";
    }
    if (v.is_array()) {
        return "an array";
    }
    if (v.is_object()) {
        return "an object";
    }
    return "null";
}

// Reads one JSON object level: typed fields, then unknown keys are reported.
class Reader {
public:
    Reader(const json& object, std::string prefix, const detail::Origins& origins,
           const std::string& fallback)
        : object_(object), prefix_(std::move(prefix)), origins_(origins), fallback_(fallback) {
        if (!object_.is_object()) {
            fail("", "expected an object, got " + typeName(object_));
        }
    }

    std::string path(const std::string& key) const {
        return prefix_.empty() ? key : key.empty() ? prefix_ : prefix_ + "." + key;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        const std::string field = path(key);
        throw Error({detail::originOf(origins_, field, fallback_), 0, field}, message);
    }

    const json* find(const std::string& key) {
        known_.push_back(key);
        const auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }

    void text(const std::string& key, std::string& out) {
        if (const json* v = find(key)) {
            if (!v->is_string()) {
                fail(key, "expected a string, got " + typeName(*v) + " " + v->dump());
            }
            out = v->get<std::string>();
        }
    }

    void boolean(const std::string& key, bool& out) {
        if (const json* v = find(key)) {
            if (!v->is_boolean()) {
                fail(key, "expected true or false, got " + typeName(*v) + " " + v->dump());
            }
            out = v->get<bool>();
        }
    }

    template <typename I>
    void integer(const std::string& key, I& out, std::int64_t min) {
        if (const json* v = find(key)) {
            if (!v->is_number_integer()) {
                fail(key, "expected an integer, got " + typeName(*v) + " " + v->dump());
            }
            const auto value = v->get<std::int64_t>();
            if (value < min) {
                fail(key, "expected an integer ≥ " + std::to_string(min) + ", got " +
                              std::to_string(value));
            }
            out = static_cast<I>(value);
        }
    }

    // A finite number in [min, max] (open at either end when the flags say so).
    void number(const std::string& key, double& out, double min, double max,
                bool minOpen = false, bool maxOpen = false) {
        if (const json* v = find(key)) {
            if (!v->is_number()) {
                fail(key, "expected a number, got " + typeName(*v) + " " + v->dump());
            }
            const double value = v->get<double>();
            const bool low = minOpen ? value <= min : value < min;
            const bool high = maxOpen ? value >= max : value > max;
            if (!std::isfinite(value) || low || high) {
                fail(key, "expected a number in " + std::string(minOpen ? "(" : "[") +
                              json(min).dump() + ", " +
                              (std::isinf(max) ? std::string("∞") : json(max).dump()) +
                              (maxOpen || std::isinf(max) ? ")" : "]") + ", got " + v->dump());
            }
            out = value;
        }
    }

    template <typename E, std::size_t N>
    void choice(const std::string& key, E& out, const Names<E, N>& names) {
        if (const json* v = find(key)) {
            std::vector<std::string> all;
            for (const auto& [e, n] : names) {
                all.emplace_back(n);
            }
            if (v->is_string()) {
                for (const auto& [e, n] : names) {
                    if (n == v->get<std::string>()) {
                        out = e;
                        return;
                    }
                }
            }
            fail(key, v->dump() + " is not one of " + joinNames(all));
        }
    }

    const json* object(const std::string& key) {
        const json* v = find(key);
        if (v && !v->is_object()) {
            fail(key, "expected an object, got " + typeName(*v) + " " + v->dump());
        }
        return v;
    }

    // Every key of the object must have been asked for.
    void rejectUnknown() const {
        for (const auto& [key, value] : object_.items()) {
            if (std::find(known_.begin(), known_.end(), key) != known_.end()) {
                continue;
            }
            const std::string near = closestKey(key, known_);
            fail(key, "unknown key \"" + key + "\"" +
                          (near.empty() ? std::string(" (known: ") + joinNames(known_) + ")"
                                        : " (did you mean \"" + near + "\"?)"));
        }
    }

private:
    const json& object_;
    std::string prefix_;
    const detail::Origins& origins_;
    const std::string& fallback_;
    std::vector<std::string> known_;
};

void validateSynthetic(Reader& r, const std::string& spec) {
    const std::string body = spec.substr(std::string("synthetic:").size());
    std::set<std::string> seen;
    std::size_t start = 0;
    while (start <= body.size() && !body.empty()) {
        const std::size_t end = std::min(body.find(',', start), body.size());
        const std::string part = body.substr(start, end - start);
        const auto eq = part.find('=');
        const std::string key = part.substr(0, eq);
        if (eq == std::string::npos ||
            std::find(kSyntheticKeys.begin(), kSyntheticKeys.end(), key) == kSyntheticKeys.end()) {
            const std::string near = closestKey(key, kSyntheticKeys);
            r.fail("dataset", "synthetic spec part \"" + part + "\" is not key=value with key one of " +
                                  joinNames(kSyntheticKeys) +
                                  (near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
        }
        const std::string value = part.substr(eq + 1);
        char* endp = nullptr;
        const double number = std::strtod(value.c_str(), &endp);
        const bool integerKey = key != "zipf";
        if (value.empty() || *endp != '\0' || !(number >= 0) ||
            (integerKey && number != std::floor(number)) || (key != "seed" && number <= 0)) {
            r.fail("dataset", "synthetic spec: " + key + " must be " +
                                  (key == "zipf"   ? "a positive number"
                                   : key == "seed" ? "an integer ≥ 0"
                                                   : "a positive integer") +
                                  ", got \"" + value + "\"");
        }
        if (!seen.insert(key).second) {
            r.fail("dataset", "synthetic spec gives " + key + " twice");
        }
        start = end + 1;
    }
}

}  // namespace

std::string_view toString(Method v) { return nameOf(kMethods, v); }
std::string_view toString(RewardVariant v) { return nameOf(kRewards, v); }
std::string_view toString(LrSchedule v) { return nameOf(kSchedules, v); }
std::string_view toString(Decoding v) { return nameOf(kDecodings, v); }
std::string_view toString(RolloutConstraint v) { return nameOf(kRolloutConstraints, v); }
std::string_view toString(PfNormalisation v) { return nameOf(kPfNormalisations, v); }
std::string_view toString(DeviceChoice v) { return nameOf(kDevices, v); }
std::string_view toString(DType v) { return nameOf(kDTypes, v); }

double defaultLengthPenalty(Decoding d) { return d == Decoding::D3 ? 0.0 : 1.0; }
double defaultTemperature(Decoding d) { return d == Decoding::Temp ? 1.5 : 1.0; }

std::string closestKey(std::string_view key, const std::vector<std::string>& known) {
    std::string best;
    std::size_t bestDistance = SIZE_MAX;
    for (const auto& candidate : known) {
        // Levenshtein distance, one row at a time.
        std::vector<std::size_t> row(candidate.size() + 1);
        for (std::size_t j = 0; j <= candidate.size(); ++j) {
            row[j] = j;
        }
        for (std::size_t i = 1; i <= key.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= candidate.size(); ++j) {
                const std::size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                                   diagonal + (key[i - 1] == candidate[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        if (row.back() < bestDistance) {
            bestDistance = row.back();
            best = candidate;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, key.size() / 3);
    return bestDistance <= limit ? best : std::string();
}

json ExperimentConfig::toJson() const {
    const auto& o = optimizer;
    const auto& e = evaluation;
    return json{
        {"name", name},
        {"description", description},
        {"table_row", tableRow},
        {"dataset", dataset},
        {"tokenizer", tokenizer},
        {"model", model},
        {"prompt_template", promptTemplate},
        {"method", toString(method)},
        {"reward",
         {{"variant", toString(rewardVariant)},
          {"granularity", granularity},
          {"smoothing", rewardSmoothing}}},
        {"preference", {{"run", preference.run}, {"scores", preference.scores}}},
        {"lambda", std::isinf(lambda) ? json("inf") : json(lambda)},
        {"subtb_lambda", subtbLambda},
        {"rollout",
         {{"constraint", toString(rollout.constraint)},
          {"temperature", rollout.temperature},
          {"log_pf", toString(rollout.logPf)},
          {"offline_probability", rollout.offlineProbability},
          {"offline_decay",
           {{"threshold", rollout.decayThreshold},
            {"step", rollout.decayStep},
            {"floor", rollout.decayFloor}}}}},
        {"optimizer",
         {{"lr", o.lr},
          {"betas", {o.beta1, o.beta2}},
          {"weight_decay", o.weightDecay},
          {"warmup_steps", o.warmupSteps},
          {"schedule", toString(o.schedule)},
          {"grad_clip", o.gradClip}}},
        {"batch_size", batchSize},
        {"micro_batch_size", microBatchSize},
        {"epochs", epochs},
        {"max_steps", maxSteps},
        {"early_stopping",
         {{"patience", earlyStopping.patience},
          {"metric", earlyStopping.metric},
          {"mode", earlyStopping.higherIsBetter ? "max" : "min"}}},
        {"checkpoint_every", checkpointEvery},
        {"evaluation",
         {{"every_steps", e.everySteps},
          {"beams", e.beams},
          {"k", e.k},
          {"decoding", toString(e.decoding)},
          {"length_penalty", e.lengthPenalty},
          {"temperature", e.temperature},
          {"guidance", e.guidance},
          {"rows", e.rows},
          {"test", e.test},
          {"samples", e.samples}}},
        {"rq1_target", rq1Target},
        {"seed", seed},
        {"device", toString(device)},
        {"dtype", toString(dtype)},
        {"gradient_checkpointing", gradientCheckpointing},
    };
}

ExperimentConfig ExperimentConfig::fromJson(const json& j, const std::string& source) {
    return detail::parseTracked(j, {}, source);
}

namespace detail {

std::string originOf(const Origins& origins, const std::string& field, const std::string& fallback) {
    std::string f = field;
    while (true) {
        const auto it = origins.find(f);
        if (it != origins.end()) {
            return it->second;
        }
        const auto dot = f.rfind('.');
        if (dot == std::string::npos) {
            return fallback;
        }
        f.resize(dot);
    }
}

ExperimentConfig parseTracked(const json& j, const Origins& origins, const std::string& fallback) {
    ExperimentConfig c;
    Reader r(j, "", origins, fallback);
    r.text("name", c.name);
    r.text("description", c.description);
    r.text("table_row", c.tableRow);
    r.text("dataset", c.dataset);
    r.text("tokenizer", c.tokenizer);
    r.text("model", c.model);
    r.text("prompt_template", c.promptTemplate);
    r.choice("method", c.method, kMethods);

    if (const json* reward = r.object("reward")) {
        Reader rr(*reward, "reward", origins, fallback);
        rr.choice("variant", c.rewardVariant, kRewards);
        rr.integer("granularity", c.granularity, 1);
        rr.number("smoothing", c.rewardSmoothing, 0.0, INFINITY);
        rr.rejectUnknown();
    }
    if (const json* pref = r.object("preference")) {
        Reader rp(*pref, "preference", origins, fallback);
        rp.integer("run", c.preference.run, 0);
        rp.text("scores", c.preference.scores);
        rp.rejectUnknown();
        if (c.preference.run != 0 && !c.preference.scores.empty()) {
            rp.fail("scores", "give either run (a `flower sasrec train` run of the store) or scores "
                              "(a SASRec scores file), not both");
        }
    }
    const bool hasLambda = j.contains("lambda");
    const bool hasTheta = j.contains("theta");
    if (hasLambda && hasTheta) {
        r.fail("theta", "give either lambda (L = L_SFT + λ·L_SubTB) or theta (θ = 1/(1+λ)), not both");
    }
    if (const json* l = j.find("lambda") != j.end() ? &j.at("lambda") : nullptr;
        l && l->is_string() && l->get<std::string>() == "inf") {
        r.find("lambda");
        c.lambda = INFINITY;  // SubTB alone (the paper's RQ1 fitting)
    } else {
        r.number("lambda", c.lambda, 0.0, INFINITY);
    }
    double theta = 1.0;
    r.number("theta", theta, 0.0, 1.0);
    if (hasTheta) {
        c.lambda = theta == 0.0 ? INFINITY : (1.0 - theta) / theta;
    }
    r.number("subtb_lambda", c.subtbLambda, 0.0, INFINITY, /*minOpen=*/true);
    if (const json* ro = r.object("rollout")) {
        Reader rr(*ro, "rollout", origins, fallback);
        auto& o = c.rollout;
        rr.choice("constraint", o.constraint, kRolloutConstraints);
        rr.number("temperature", o.temperature, 0.0, INFINITY, /*minOpen=*/true);
        rr.choice("log_pf", o.logPf, kPfNormalisations);
        if (o.logPf == PfNormalisation::Tree && o.constraint == RolloutConstraint::Free) {
            rr.fail("log_pf", "\"tree\" needs trie-constrained rollouts (constraint \"trie\"): "
                              "a free rollout's off-tree token has no probability under it");
        }
        rr.number("offline_probability", o.offlineProbability, 0.0, 1.0);
        if (const json* decay = rr.object("offline_decay")) {
            Reader rd(*decay, "rollout.offline_decay", origins, fallback);
            rd.number("threshold", o.decayThreshold, 0.0, INFINITY);
            rd.number("step", o.decayStep, 0.0, 1.0);
            rd.number("floor", o.decayFloor, 0.0, 1.0);
            rd.rejectUnknown();
        }
        rr.rejectUnknown();
    }

    if (const json* opt = r.object("optimizer")) {
        Reader ro(*opt, "optimizer", origins, fallback);
        auto& o = c.optimizer;
        ro.number("lr", o.lr, 0.0, INFINITY, true);
        if (const json* betas = ro.find("betas")) {
            if (!betas->is_array() || betas->size() != 2 || !(*betas)[0].is_number() ||
                !(*betas)[1].is_number()) {
                ro.fail("betas", "expected [β1, β2], two numbers in [0, 1), got " + betas->dump());
            }
            o.beta1 = (*betas)[0].get<double>();
            o.beta2 = (*betas)[1].get<double>();
            if (!(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1)) {
                ro.fail("betas", "expected [β1, β2], two numbers in [0, 1), got " + betas->dump());
            }
        }
        ro.number("weight_decay", o.weightDecay, 0.0, INFINITY);
        ro.integer("warmup_steps", o.warmupSteps, 0);
        ro.choice("schedule", o.schedule, kSchedules);
        ro.number("grad_clip", o.gradClip, 0.0, INFINITY);
        ro.rejectUnknown();
    }
    r.integer("batch_size", c.batchSize, 1);
    r.integer("micro_batch_size", c.microBatchSize, 1);
    r.integer("epochs", c.epochs, 0);
    r.integer("max_steps", c.maxSteps, 0);
    if (const json* es = r.object("early_stopping")) {
        Reader re(*es, "early_stopping", origins, fallback);
        re.integer("patience", c.earlyStopping.patience, 0);
        re.text("metric", c.earlyStopping.metric);
        std::string mode = c.earlyStopping.higherIsBetter ? "max" : "min";
        re.text("mode", mode);
        if (mode != "min" && mode != "max") {
            re.fail("mode", "\"" + mode + "\" is not one of min, max");
        }
        c.earlyStopping.higherIsBetter = mode == "max";
        const auto slash = c.earlyStopping.metric.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == c.earlyStopping.metric.size()) {
            re.fail("metric", "expected \"<split>/<metric>\" such as \"valid/loss\" or "
                              "\"valid/ndcg@5\", got \"" + c.earlyStopping.metric + "\"");
        }
        re.rejectUnknown();
    }
    r.integer("checkpoint_every", c.checkpointEvery, 0);
    if (const json* ev = r.object("evaluation")) {
        Reader re(*ev, "evaluation", origins, fallback);
        auto& e = c.evaluation;
        re.integer("every_steps", e.everySteps, 0);
        re.integer("beams", e.beams, 1);
        if (const json* k = re.find("k")) {
            const bool ok = k->is_array() && !k->empty() &&
                            std::all_of(k->begin(), k->end(), [](const json& x) {
                                return x.is_number_integer() && x.get<std::int64_t>() >= 1;
                            });
            if (!ok) {
                re.fail("k", "expected a non-empty array of integers ≥ 1, got " + k->dump());
            }
            e.k = k->get<std::vector<int>>();
        }
        // "constrained" is the name files used before temp and d3 existed.
        const json* decoding = ev->contains("decoding") ? &ev->at("decoding") : nullptr;
        if (decoding && decoding->is_string() && decoding->get<std::string>() == "constrained") {
            re.find("decoding");
            e.decoding = Decoding::Beam;
        } else {
            re.choice("decoding", e.decoding, kDecodings);
        }
        if (!decoding && c.method == Method::SftTemperature) e.decoding = Decoding::Temp;
        e.lengthPenalty = defaultLengthPenalty(e.decoding);
        e.temperature = defaultTemperature(e.decoding);
        re.number("length_penalty", e.lengthPenalty, 0.0, INFINITY);
        re.number("temperature", e.temperature, 0.0, INFINITY, true);
        re.number("guidance", e.guidance, 0.0, 1.0);
        re.integer("rows", e.rows, 0);
        e.test = c.promptTemplate == "bigrec";
        re.boolean("test", e.test);
        re.integer("samples", e.samples, 0);
        re.rejectUnknown();
        if (e.guidance < 1.0 && e.decoding != Decoding::D3) {
            re.fail("guidance", "γ < 1 (SASRec guidance) is D3's: it needs decoding \"d3\", got \"" +
                                    std::string(toString(e.decoding)) + "\"");
        }
        const bool bigrec = c.promptTemplate == "bigrec";
        if (bigrec && e.decoding == Decoding::Free) {
            re.fail("decoding", "\"free\" (unconstrained sampling) is the RQ1 evaluation of "
                                "history_free runs; bigrec runs decode with beam, temp or d3");
        }
        if (!bigrec && e.test) {
            re.fail("test", "the test-split evaluation ranks recommendations of bigrec prompts; "
                            "prompt_template \"" + c.promptTemplate + "\" has no test split");
        }
    } else {
        c.evaluation.test = c.promptTemplate == "bigrec";
        if (c.method == Method::SftTemperature) {
            c.evaluation.decoding = Decoding::Temp;
            c.evaluation.temperature = defaultTemperature(Decoding::Temp);
        }
    }
    r.text("rq1_target", c.rq1Target);
    r.integer("seed", c.seed, 0);
    r.choice("device", c.device, kDevices);
    r.choice("dtype", c.dtype, kDTypes);
    r.boolean("gradient_checkpointing", c.gradientCheckpointing);
    r.rejectUnknown();

    // Values that are well-typed but do not make sense together or alone.
    if (c.dataset.empty()) {
        r.fail("dataset", "must not be empty (a folder, a dataset name or a synthetic: spec)");
    }
    if (c.dataset.rfind("synthetic:", 0) == 0) {
        validateSynthetic(r, c.dataset);
    }
    const std::vector<std::string> kModelPresets = knownModels();
    if (c.model.find('/') == std::string::npos &&
        std::find(kModelPresets.begin(), kModelPresets.end(), c.model) == kModelPresets.end()) {
        const std::string near = closestKey(c.model, kModelPresets);
        r.fail("model", "\"" + c.model + "\" is neither a preset (" + joinNames(kModelPresets) +
                            ") nor a path to a Hugging Face directory (a path contains '/')" +
                            (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
    }
    if (std::find(kPromptTemplates.begin(), kPromptTemplates.end(), c.promptTemplate) ==
        kPromptTemplates.end()) {
        r.fail("prompt_template",
               "\"" + c.promptTemplate + "\" is not one of " + joinNames(kPromptTemplates));
    }
    if (c.batchSize % c.microBatchSize != 0) {
        r.fail("micro_batch_size", "batch_size " + std::to_string(c.batchSize) +
                                       " is not a multiple of micro_batch_size " +
                                       std::to_string(c.microBatchSize));
    }
    if (c.epochs == 0 && c.maxSteps == 0) {
        r.fail("epochs", "epochs and max_steps are both 0: the run would never stop");
    }
    if (!c.rq1Target.empty() && c.promptTemplate != "history_free") {
        r.fail("rq1_target", "history-free fitting (rq1_target) needs prompt_template "
                             "\"history_free\", got \"" + c.promptTemplate + "\"");
    }
    // rq1_target "" with history_free = the dataset's own training-history counts
    // (core/train/rq1_target.h); a relative file needs a dataset folder.
    if (!c.rq1Target.empty() && c.dataset.rfind("synthetic:", 0) == 0 &&
        !std::filesystem::path(c.rq1Target).is_absolute()) {
        r.fail("rq1_target", "\"" + c.rq1Target + "\" is relative to the dataset folder, but the "
                             "dataset is synthetic (no folder); leave rq1_target out to fit the "
                             "dataset's training-history counts");
    }
    return c;
}

}  // namespace detail

}  // namespace flower::run
