#include "core/sasrec/sasrec_scores.h"

#include "core/model/safetensors_reader.h"
#include "core/model/safetensors_writer.h"
#include "core/util/error.h"

#include <torch/torch.h>

namespace flower::sasrec {

namespace fs = std::filesystem;

namespace {
std::string shapeText(const at::IntArrayRef& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}
}  // namespace

fs::path runScoresPath(const fs::path& storeFile, std::int64_t runId) {
    const fs::path parent = storeFile.has_parent_path() ? storeFile.parent_path() : fs::path(".");
    return parent / "runs" / std::to_string(runId) / "sasrec_scores.safetensors";
}

void writeScores(const fs::path& path, const std::vector<std::pair<std::string, at::Tensor>>& splits,
                 const std::map<std::string, std::string>& metadata) {
    model::NamedTensors tensors;
    std::map<std::string, std::string> meta = metadata;
    meta["format"] = "flower-sasrec-scores";
    for (const auto& [name, t] : splits) {
        TORCH_CHECK(t.dim() == 2, "scores must be [rows, items]");
        tensors.emplace_back(name, t.to(torch::kFloat32).contiguous());
        meta["items"] = std::to_string(t.size(1));
    }
    model::writeSafetensors(path, tensors, meta);
}

SasRecScores::SasRecScores(const fs::path& path)
    : path_(path), reader_(std::make_unique<model::SafetensorsReader>(path)) {}
SasRecScores::~SasRecScores() = default;
SasRecScores::SasRecScores(SasRecScores&&) noexcept = default;
SasRecScores& SasRecScores::operator=(SasRecScores&&) noexcept = default;

bool SasRecScores::contains(const std::string& split) const { return reader_->contains(split); }

at::Tensor SasRecScores::split(const std::string& name, std::int64_t rows, std::int64_t items) const {
    if (!reader_->contains(name)) {
        std::string names;
        for (const auto& n : reader_->names()) names += (names.empty() ? "" : ", ") + n;
        throw Error({path_.string(), 0, name}, "no SASRec scores for the " + name + " split (the file holds: " +
                                                   (names.empty() ? "nothing" : names) + ")");
    }
    const at::Tensor t = reader_->tensor(name);
    if (t.scalar_type() != torch::kFloat32 || t.dim() != 2) {
        throw Error({path_.string(), 0, name}, "expected float32 scores [rows, items], got " +
                                                   std::string(c10::toString(t.scalar_type())) + " " +
                                                   shapeText(t.sizes()));
    }
    if ((rows >= 0 && t.size(0) != rows) || (items >= 0 && t.size(1) != items)) {
        throw Error({path_.string(), 0, name},
                    "scores of shape " + shapeText(t.sizes()) + " do not match the dataset: its " + name +
                        " split has " + std::to_string(rows) + " rows and its catalogue " +
                        std::to_string(items) + " items");
    }
    return t;
}

}  // namespace flower::sasrec
