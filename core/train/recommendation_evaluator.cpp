#include "core/train/recommendation_evaluator.h"

#include "core/eval/recommendation_evaluation.h"
#include "core/eval/title_catalogue.h"
#include "core/eval/title_text.h"
#include "core/flow/title_trie.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/train/bigrec_data.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace flower::train {

namespace {

// `wanted` rows of `total`, drawn without replacement from `seed`, ascending; all when
// wanted is 0 or ≥ total.
std::vector<std::int64_t> pickRows(std::int64_t total, std::int64_t wanted, std::uint64_t seed) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(total));
    std::iota(rows.begin(), rows.end(), 0);
    if (wanted <= 0 || wanted >= total) return rows;
    // A partial Fisher–Yates with our own draws (std::shuffle's are the library's choice, so
    // the subset would differ between standard libraries).
    std::mt19937_64 random(seed ^ 0x9e3779b97f4a7c15ULL);
    for (std::int64_t i = 0; i < wanted; ++i) {
        const auto span = static_cast<std::uint64_t>(total - i);
        const auto j = i + static_cast<std::int64_t>(random() % span);
        std::swap(rows[static_cast<std::size_t>(i)], rows[static_cast<std::size_t>(j)]);
    }
    rows.resize(static_cast<std::size_t>(wanted));
    std::sort(rows.begin(), rows.end());
    return rows;
}

void checkScores(const at::Tensor& scores, std::int64_t rows, std::int64_t items, const char* split) {
    if (!scores.defined() || scores.dim() != 2 || scores.size(0) != rows || scores.size(1) != items) {
        std::string shape = "none";
        if (scores.defined()) {
            shape.clear();
            for (auto s : scores.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(s);
            shape = "[" + shape + "]";
        }
        throw Error({"", 0, "evaluation.guidance"},
                    std::string("γ < 1 needs the SASRec scores of the ") + split + " split, [" +
                        std::to_string(rows) + ", " + std::to_string(items) +
                        "] (rows, catalogue items); got " + shape);
    }
}

}  // namespace

RecommendationEvaluator::RecommendationEvaluator(std::shared_ptr<const BigRecData> data,
                                                 std::shared_ptr<const flow::TitleTrie> trie,
                                                 std::shared_ptr<const eval::TitleCatalogue> catalogue,
                                                 std::vector<std::string> catalogueTitles,
                                                 RecommendationEvaluatorOptions options,
                                                 at::Tensor validScores, at::Tensor testScores)
    : data_(std::move(data)), trie_(std::move(trie)), catalogue_(std::move(catalogue)),
      catalogueTitles_(std::move(catalogueTitles)), options_(std::move(options)),
      validScores_(std::move(validScores)), testScores_(std::move(testScores)) {
    if (!data_ || !trie_ || !catalogue_) {
        throw Error("RecommendationEvaluator needs data, a title trie and a catalogue");
    }
    if (options_.rows < 0 || options_.sampleRows < 0) {
        throw Error({"", 0, "evaluation.rows"}, "expected rows ≥ 0 (0 = all)");
    }
    validRows_ = pickRows(data_->size(Split::Valid), options_.rows, options_.seed);
    testRows_ = pickRows(data_->size(Split::Test), 0, options_.seed);  // the test split is always whole
    if (validRows_.empty()) {
        throw Error({"", 0, "evaluation"}, "the validation split has no rows to rank");
    }
    if (options_.test && testRows_.empty()) {
        throw Error({"", 0, "evaluation.test"},
                    "the test split has no rows to rank (set \"test\": false to skip it)");
    }
    const auto items = static_cast<std::int64_t>(catalogueTitles_.size());
    if (options_.search.guidance < 1.0) {
        checkScores(validScores_, data_->size(Split::Valid), items, "valid");
        if (options_.test) checkScores(testScores_, data_->size(Split::Test), items, "test");
    }
}

const std::vector<std::int64_t>& RecommendationEvaluator::evaluatedRows(Split split) const {
    return split == Split::Test ? testRows_ : validRows_;
}

EvaluationResult RecommendationEvaluator::evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t,
                                                   at::Generator&) {
    return run(model, Split::Valid);
}

EvaluationResult RecommendationEvaluator::evaluateTest(model::Qwen2ForCausalLMImpl& model, std::int64_t,
                                                       at::Generator&) {
    if (!options_.test) throw Error({"", 0, "evaluation.test"}, "this run does not evaluate the test split");
    return run(model, Split::Test);
}

EvaluationResult RecommendationEvaluator::run(model::Qwen2ForCausalLMImpl& model, Split split) {
    torch::NoGradGuard noGrad;
    const auto& rows = evaluatedRows(split);
    const std::string name = toString(split);
    std::vector<std::vector<text::TokenId>> prompts;
    prompts.reserve(rows.size());
    for (const std::int64_t r : rows) {
        const auto ids = data_->promptIds(split, r);
        prompts.emplace_back(ids.begin(), ids.end());
    }
    at::Tensor scores;
    if (options_.search.guidance < 1.0) {
        const at::Tensor& all = split == Split::Test ? testScores_ : validScores_;
        scores = all.index_select(0, torch::tensor(rows, torch::kLong)).contiguous();
    }
    decode::BeamSearchOptions search = options_.search;
    const auto total = static_cast<std::int64_t>(rows.size());
    if (progress()) {
        search.progress = [this, &name, total](std::int64_t done) { progress()({name, done, total}); };
        progress()({name, 0, total});
    }
    const decode::BeamSearchResult found = decode::beamSearch(model, *trie_, prompts, search, scores);

    std::vector<eval::RecommendationRow> lists;
    lists.reserve(rows.size());
    EvaluationResult result;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        eval::RecommendationRow row;
        for (const auto& h : found.titles[i]) row.predicted.push_back(trie_->title(h.title));
        // As `flower recommend` writes "output" (and calc.py strips it).
        const auto item = static_cast<std::size_t>(data_->targetItem(split, rows[i]));
        row.target = catalogueTitles_.at(item) + "\n";
        if (static_cast<std::int64_t>(i) < options_.sampleRows) {
            for (const auto& h : found.titles[i]) {
                const std::string& title = trie_->title(h.title);
                result.samples.push_back({rows[i], title,
                                          catalogue_->contains(eval::normaliseGeneratedTitle(title)),
                                          h.sumScore});
            }
        }
        lists.push_back(std::move(row));
    }
    eval::MetricsOptions metricsOptions;
    metricsOptions.ks = options_.ks;
    const eval::RecommendationReport report =
        eval::evaluateRecommendations(lists, *catalogue_, metricsOptions);
    for (const auto& m : eval::storedMetrics(report)) {
        result.metrics.push_back({name, m.metric, m.k, m.value});
    }
    const std::string prefix = split == Split::Test ? "test/" : "";
    for (const auto& h : eval::groupHistograms(report)) {
        result.histograms.push_back({prefix + h.kind, h.bins});
    }
    return result;
}

}  // namespace flower::train
