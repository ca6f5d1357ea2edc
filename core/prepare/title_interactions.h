// TitleInteractions: the reference's item reward and popularity groups, as its notebook
// (with_history/process.ipynb) derives them from train.csv: count every title of every
// `history_item_title` (row by row, left to right), keep first-appearance order; groups = the
// titles sorted by count descending (Python's stable sort: ties keep that order) cut into G
// near-equal groups, the first n mod G one larger. The JSON text is json.dump(indent=4,
// ensure_ascii=False) byte for byte (no newline at the end) — `reference_title_interaction
// .json` and `reference_group_title_8.json`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flower::prepare {

class TitleInteractions {
public:
    void add(std::string_view title);
    // (title, count) in order of first appearance.
    const std::vector<std::pair<std::string, std::int64_t>>& entries() const { return entries_; }
    std::vector<std::vector<std::string>> groups(int count) const;

    std::string interactionJson() const;
    std::string groupJson(int count) const;

private:
    std::vector<std::pair<std::string, std::int64_t>> entries_;
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace flower::prepare
