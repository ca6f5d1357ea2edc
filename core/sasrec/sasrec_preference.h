// SasRecPreference: the flow::PreferenceModel of Flower's personalised rewards over cached
// SASRec scores (sasrec_scores.h): scores(row) is row `row` of the training split's raw scores,
// as the reference reads train_best*.npy (its utils_logp_*.py softmax them; RewardVariant does).
// Ownership: holds the scores (a view of the mapped file, or an in-memory tensor).
// Failure: flower::Error when the file's training scores do not have the dataset's shape
// [training rows, items]; a row outside them (a bug upstream) is a flower::Error too.
#pragma once

#include "core/flow/reward_variant.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

namespace flower::sasrec {

class SasRecPreference : public flow::PreferenceModel {
public:
    // trainScores: [rows, items] float32 on the CPU; `source` names it in errors and logs.
    SasRecPreference(at::Tensor trainScores, std::string source);
    // The "train" tensor of a scores file, checked against the dataset's shape.
    static SasRecPreference fromFile(const std::filesystem::path& file, std::int64_t trainRows,
                                     std::int64_t items);

    std::vector<double> scores(std::int64_t row) const override;
    std::int64_t rows() const { return scores_.size(0); }
    std::int64_t items() const { return scores_.size(1); }
    const std::string& source() const { return source_; }

private:
    at::Tensor scores_;
    std::string source_;
};

}  // namespace flower::sasrec
