// PredictionsFile: top-K recommendation lists in the reference's layout (the JSON that
// Mr-Peach0301/Flower's evaluate.py writes and calc.py reads; `flower recommend --out` writes it):
//   [{"input": prompt, "output": target title (+ "\n"), "predict": [K titles],
//     "predict_score": [K numbers]}, ...]
// "input" and "predict_score" are optional (the metrics need neither); "output" may also be a
// list whose first element is the target (calc.py accepts both; the two forms are normalised
// differently, see title_text.h). Every "predict" list must have the same length: the
// expected one when given, else the first entry's.
// Value type. Failure (flower::Error naming the file, the entry index and the field): a file
// that cannot be read or is not JSON, not a non-empty array, an entry that is not an object, a
// missing or mistyped field, an empty title list or one of the wrong length, a predict_score
// of another length or with a non-number. write() writes a temporary file and renames it, so
// a failed write leaves no half-written file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace flower::eval {

struct Prediction {
    std::string input;                 // the prompt; "" when absent
    std::string output;                // the target as written ("output", or its first element)
    bool outputIsList = false;         // "output" was a list (normalised differently)
    std::vector<std::string> predict;  // recommended titles, rank 1 first
    std::vector<double> predictScore;  // empty when absent
};

class PredictionsFile {
public:
    PredictionsFile() = default;
    explicit PredictionsFile(std::vector<Prediction> rows) : rows_(std::move(rows)) {}

    // expectedLength 0: every list as long as the first entry's.
    static PredictionsFile read(const std::filesystem::path& path, std::size_t expectedLength = 0);
    // The same from JSON text; `displayName` is what errors call the file.
    static PredictionsFile parse(const std::string& text, const std::string& displayName,
                                 std::size_t expectedLength = 0);

    const std::vector<Prediction>& rows() const { return rows_; }
    std::size_t size() const { return rows_.size(); }
    // Length of the lists (0 when empty).
    std::size_t listLength() const { return rows_.empty() ? 0 : rows_.front().predict.size(); }

    void write(const std::filesystem::path& path) const;
    std::string dump() const;  // the JSON text write() writes (indent 1, as evaluate.py)

private:
    std::vector<Prediction> rows_;
};

}  // namespace flower::eval
