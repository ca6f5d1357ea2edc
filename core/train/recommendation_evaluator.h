// RecommendationEvaluator: the paper's RQ2 evaluation of a bigrec-prompt run while it trains —
// trie-constrained beam search (core/decode, the experiment's decoding: beam / temp / d3) on
// the validation split, every metric of core/eval on the top-B lists, as `flower recommend` +
// `flower metrics` compute them for the same predictions:
//   metrics     eval::storedMetrics of the lists as "<split>/<metric>[@K]" (valid/ndcg@5,
//               valid/dgu@10, valid/entropy, ...), what early stopping may monitor;
//   histograms  eval::groupHistograms (groups_recommended / groups_history / groups_target);
//               the test evaluation names them "test/groups_…" (the store's histograms table
//               has no split column, and the end-of-training test shares its step with the
//               last validation);
//   samples     the top-B list of the first `sampleRows` evaluated rows: each title with its
//               log-probability under the decoding (Σ of its step scores; the list order is
//               the length-penalised beam score's), promptId = the row in its split.
// Rows: all of the split, or `rows` of them — a subset drawn once from the seed, the same at
// every evaluation (so that values of different steps compare), in split order.
// Targets are the catalogue titles of the rows' target items written as the predictions file
// does ("title\n"), so the values equal `flower metrics` on `flower recommend`'s output.
// evaluateTest: the same on the test split (the trainer calls it once, at the end of training,
// with the best checkpoint's weights). D3 guidance (γ < 1) reads the SASRec scores of the
// split's rows ([rows of the split, catalogue items], raw; the softmax is taken by core/decode).
// Progress: after each batch of prompts, to the callback set with setProgress.
// Thread-safety: one evaluation at a time (it runs the model). Failure: flower::Error for a
// configuration that cannot work (no rows, guidance without scores of the split's shape);
// errors of core/decode and core/eval propagate.
#pragma once

#include "core/decode/beam_search.h"
#include "core/train/evaluator.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flower::flow {
class TitleTrie;
}
namespace flower::eval {
class TitleCatalogue;
}

namespace flower::train {

class BigRecData;
enum class Split;

struct RecommendationEvaluatorOptions {
    decode::BeamSearchOptions search;      // beams, α, T, γ, batch size (its progress is set here)
    std::vector<int> ks = {1, 3, 5, 10, 20};
    std::int64_t rows = 0;                 // validation rows per evaluation; 0 = all
    std::uint64_t seed = 0;                // draws the subset of `rows`
    std::int64_t sampleRows = 20;          // evaluated rows whose lists become samples
    bool test = true;                      // evaluateTest ranks the test split
};

class RecommendationEvaluator : public Evaluator {
public:
    // catalogueTitles: the dataset's catalogue titles by item id (the rows' targets);
    // validScores / testScores: SASRec scores of the two splits, only read when γ < 1.
    RecommendationEvaluator(std::shared_ptr<const BigRecData> data,
                            std::shared_ptr<const flow::TitleTrie> trie,
                            std::shared_ptr<const eval::TitleCatalogue> catalogue,
                            std::vector<std::string> catalogueTitles,
                            RecommendationEvaluatorOptions options, at::Tensor validScores = {},
                            at::Tensor testScores = {});

    EvaluationResult evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                              at::Generator& generator) override;
    bool evaluatesTest() const override { return options_.test; }
    EvaluationResult evaluateTest(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                  at::Generator& generator) override;

    // The rows of `split` an evaluation ranks, ascending.
    const std::vector<std::int64_t>& evaluatedRows(Split split) const;
    const RecommendationEvaluatorOptions& options() const { return options_; }

private:
    EvaluationResult run(model::Qwen2ForCausalLMImpl& model, Split split);

    std::shared_ptr<const BigRecData> data_;
    std::shared_ptr<const flow::TitleTrie> trie_;
    std::shared_ptr<const eval::TitleCatalogue> catalogue_;
    std::vector<std::string> catalogueTitles_;
    RecommendationEvaluatorOptions options_;
    at::Tensor validScores_, testScores_;
    std::vector<std::int64_t> validRows_, testRows_;
};

}  // namespace flower::train
