#include "core/sasrec/sasrec_preference.h"

#include "core/sasrec/sasrec_scores.h"
#include "core/util/error.h"

#include <torch/torch.h>

namespace flower::sasrec {

SasRecPreference::SasRecPreference(at::Tensor trainScores, std::string source)
    : scores_(trainScores.to(torch::kFloat32).contiguous()), source_(std::move(source)) {
    TORCH_CHECK(scores_.dim() == 2, "preference scores must be [rows, items]");
}

SasRecPreference SasRecPreference::fromFile(const std::filesystem::path& file, std::int64_t trainRows,
                                            std::int64_t items) {
    const SasRecScores scores(file);
    return SasRecPreference(scores.split("train", trainRows, items), file.string());
}

std::vector<double> SasRecPreference::scores(std::int64_t row) const {
    if (row < 0 || row >= scores_.size(0)) {
        throw Error({source_, 0, "train"}, "training row " + std::to_string(row) + " is outside the " +
                                               std::to_string(scores_.size(0)) + " rows of SASRec scores");
    }
    const auto items = scores_.size(1);
    const float* p = scores_.data_ptr<float>() + row * items;
    return std::vector<double>(p, p + items);
}

}  // namespace flower::sasrec
