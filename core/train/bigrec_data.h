// BigRecData: the training data of BIGRec-style recommendation (SFT, IFairLRS, Flower with
// history): one example per row of the dataset's train / valid / test split (test is only
// ranked by the end-of-training evaluation, never trained on).
//   prompt = encode(template.instructionPart()) + encode(template.inputPart(history titles)) —
//            the reference (D3Dataset.pre in without_history/base_line/dataset.py and its
//            with_history twin) tokenizes the two parts separately and concatenates the ids;
//   target = PromptTemplate::targetTokens(title of the row's target item): the title tokenized
//            alone + termination (198), the TitleTrie path (the reference's SFT encodes
//            title + "\n" as one text; they differ for 214 Movies titles — see core/text/README);
//   group  = data::PopularityGroups (options.groups, 8 as the reference) of the target title,
//            −1 when the title never occurs in a training history.
// Everything is tokenized once at construction (prompts into one flat buffer, targets once per
// catalogue item); batch() only copies ids into tensors. Ids: tokenizer ids, or compact ids
// through the VocabularyMap given at construction.
// Immutable after construction; batch() is thread-safe.
// Failure (flower::Error): a token the vocabulary map lacks (named), more groups than titles,
// rows out of range in batch().
#pragma once

#include "core/text/token_id.h"
#include "core/train/training_data.h"

#include <cstdint>
#include <span>
#include <vector>

namespace flower::data {
struct Dataset;
}
namespace flower::text {
class PromptTemplate;
class Tokenizer;
class VocabularyMap;
}  // namespace flower::text

namespace flower::train {

struct BigRecOptions {
    text::TokenId termination = 198;  // tokenizer id of "\n"
    int groups = 8;                   // popularity groups of targetGroup
};

class BigRecData : public TrainingData {
public:
    BigRecData(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
               const text::PromptTemplate& prompt, const BigRecOptions& options = {},
               const text::VocabularyMap* vocabulary = nullptr);

    std::int64_t size(Split split) const override;
    TrainBatch batch(Split split, std::span<const std::int64_t> rows) const override;

    // In the model's id space.
    std::span<const text::TokenId> promptIds(Split split, std::int64_t row) const;
    std::span<const text::TokenId> targetIds(Split split, std::int64_t row) const;
    std::int64_t targetGroup(Split split, std::int64_t row) const;
    std::int64_t targetItem(Split split, std::int64_t row) const;  // catalogue id of the target

private:
    struct Part {
        std::vector<text::TokenId> promptIds;      // all prompts, concatenated
        std::vector<std::int64_t> promptOffset;    // [rows + 1]
        std::vector<std::int64_t> targetItem;      // [rows] catalogue id of the target
        std::vector<std::int64_t> group;           // [rows]
    };
    const Part& part(Split split) const {
        return split == Split::Train ? train_ : split == Split::Valid ? valid_ : test_;
    }
    std::size_t checkedRow(Split split, std::int64_t row) const;

    Part train_, valid_, test_;
    std::vector<std::vector<text::TokenId>> itemTargets_;  // [catalogue id] title + termination
    text::TokenId pad_ = 0;
};

}  // namespace flower::train
