// SasRecScores: the cached raw SASRec scores of a run — one float32 tensor [rows, items] per
// split, named "train", "valid", "test", in a safetensors file next to the run
// (<store folder>/runs/<id>/sasrec_scores.safetensors), so that Flower's preference rewards,
// D3's guidance and PPO reuse them without the model. Rows are the split's rows in file order;
// the softmax is taken by the consumer. `flower sasrec scores` writes one split alone, under its
// own name, in the same layout. Metadata: "items", "format": "flower-sasrec-scores".
// Failure: flower::Error naming the file — unreadable, no tensor for the split, not float32,
// or a shape that does not match the dataset ([rows of the split, catalogue size]).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flower::model {
class SafetensorsReader;
}

namespace flower::sasrec {

// The file of run `runId` in the store `storeFile`.
std::filesystem::path runScoresPath(const std::filesystem::path& storeFile, std::int64_t runId);

// Writes `splits` (name → [rows, items] float32) to `path` (temporary name, then renamed).
void writeScores(const std::filesystem::path& path,
                 const std::vector<std::pair<std::string, at::Tensor>>& splits,
                 const std::map<std::string, std::string>& metadata = {});

class SasRecScores {
public:
    explicit SasRecScores(const std::filesystem::path& path);
    ~SasRecScores();
    SasRecScores(SasRecScores&&) noexcept;
    SasRecScores& operator=(SasRecScores&&) noexcept;

    const std::filesystem::path& path() const { return path_; }
    bool contains(const std::string& split) const;
    // The split's scores [rows, items] float32, viewing the mapped file. When rows/items are
    // ≥ 0 the shape must equal them (else flower::Error saying what the dataset has).
    at::Tensor split(const std::string& name, std::int64_t rows = -1, std::int64_t items = -1) const;

private:
    std::filesystem::path path_;
    std::unique_ptr<model::SafetensorsReader> reader_;
};

}  // namespace flower::sasrec
