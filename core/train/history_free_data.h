// HistoryFreeData: the training data of the paper's RQ1 (history-free distribution fitting),
// built as the reference builds its tuning set (Mr-Peach0301/Flower without_history/):
//   - every example has the same prompt, the "history_free" PromptTemplate (the GFN prompt of
//     gfn/lightning_data.py), tokenized as one text;
//   - the tuning set has `examples` rows (6,400 for the 100-movie target, 12,800 for 1,500: the
//     row counts of base_line/data/train_{100,1500}.json, whose contents are otherwise unused);
//   - the target of each row is a title drawn i.i.d. with probability count/total
//     (train_sft.py generate_prompt: random.choices(titles, weights=counts)), from our seeded
//     generator — TargetSampling::Iid. The counts sum to 481,042 for the 100 movies, so
//     "repeating titles by count" is done by sampling, as the reference does.
//     TargetSampling::Proportional instead gives each title its largest-remainder quota of the
//     rows, shuffled (same distribution, no sampling noise; not the reference);
//   - split as gfn/lightning_data.py: the first int(examples × trainFraction) rows train
//     (0.95: 6,080 of 6,400), the rest (320) validate. (The reference's SFT baseline validates
//     on a separate 2,000-row file instead; one split for all methods keeps them comparable.)
//   - target = PromptTemplate::targetTokens: the title tokenized alone + termination (198), the
//     path in the TitleTrie. The reference's SFT baseline ends titles with EOS instead; its
//     Flower run with "\n" (198) — we use 198 for every method.
// Ids: tokenizer ids, or compact ids through a VocabularyMap given at construction.
// Randomness: std::mt19937_64 with our own mapping to numbers: a seed gives the same set on any
// platform. Immutable after construction; batch() is thread-safe.
// Failure (flower::Error): examples < 1, trainFraction outside (0, 1], an empty target, a token
// the vocabulary map lacks (named), rows out of range in batch().
#pragma once

#include "core/text/token_id.h"
#include "core/train/training_data.h"

#include <cstdint>
#include <span>
#include <vector>

namespace flower::text {
class PromptTemplate;
class Tokenizer;
class VocabularyMap;
}  // namespace flower::text

namespace flower::train {

struct Rq1Target;

enum class TargetSampling { Iid, Proportional };

struct HistoryFreeOptions {
    std::int64_t examples = 6400;       // tuning-set size (reference: 6,400 for 100 titles)
    double trainFraction = 0.95;        // gfn/lightning_data.py train_size
    TargetSampling sampling = TargetSampling::Iid;
    std::uint64_t seed = 0;
    text::TokenId termination = 198;    // tokenizer id of "\n"
};

class HistoryFreeData : public TrainingData {
public:
    HistoryFreeData(const Rq1Target& target, const text::Tokenizer& tokenizer,
                    const text::PromptTemplate& prompt, const HistoryFreeOptions& options,
                    const text::VocabularyMap* vocabulary = nullptr);

    std::int64_t size(Split split) const override;
    TrainBatch batch(Split split, std::span<const std::int64_t> rows) const override;

    // In the model's id space.
    std::span<const text::TokenId> promptIds() const { return prompt_; }
    // Target of title i of the Rq1Target: its tokens + termination.
    std::span<const text::TokenId> titleTarget(std::size_t title) const { return titles_[title]; }
    std::size_t titleCount() const { return titles_.size(); }
    // Which target title example `row` of `split` has.
    std::int32_t titleOf(Split split, std::int64_t row) const;

private:
    std::vector<text::TokenId> prompt_;
    std::vector<std::vector<text::TokenId>> titles_;
    std::vector<std::int32_t> examples_;  // title of every example, train rows first
    std::int64_t trainSize_ = 0;
    text::TokenId pad_ = 0;
};

// The rows' titles as the options draw them (exposed for tests): examples[i] = title index.
std::vector<std::int32_t> drawHistoryFreeTitles(std::span<const double> counts,
                                                const HistoryFreeOptions& options);

}  // namespace flower::train
