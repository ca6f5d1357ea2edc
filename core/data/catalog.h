// The items of a dataset: stable integer ids 0..N-1 and their titles. Ids are the identity
// (embeddings, metrics); titles are what the model generates and what rewards are keyed by.
// A title may belong to several ids (53 titles of the Movies dataset do).
// Failure: readers throw flower::Error naming the file, line and what was expected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flower::data {

using ItemId = std::int64_t;

class Catalog {
public:
    Catalog() = default;
    // titles[id] is the title of item `id`.
    explicit Catalog(std::vector<std::string> titles);

    // An items file: one `title<TAB>id` per line (items.tsv, or the Flower/BIGRec info/*.txt).
    // Ids must be exactly 0..N-1, in any order, each once. A trailing newline is fine; blank
    // lines elsewhere, a missing tab, a non-integer id, invalid UTF-8 or an empty title are not.
    static Catalog readItemsFile(const std::filesystem::path& path, std::string displayName = "");

    std::size_t size() const { return titles_.size(); }
    bool contains(ItemId id) const { return id >= 0 && static_cast<std::size_t>(id) < size(); }
    // Title of an id (precondition: contains(id)).
    const std::string& title(ItemId id) const { return titles_[static_cast<std::size_t>(id)]; }
    const std::vector<std::string>& titles() const { return titles_; }

    // Every id carrying this title, ascending; empty when none.
    const std::vector<ItemId>& idsOfTitle(std::string_view title) const;
    // The id a bare title maps to: the smallest id with this title (for the files here, the
    // first line of the items file that has it), or -1 when the title is unknown.
    ItemId firstIdOfTitle(std::string_view title) const;
    // Number of distinct titles.
    std::size_t distinctTitles() const { return byTitle_.size(); }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::vector<std::string> titles_;
    std::unordered_map<std::string, std::vector<ItemId>, Hash, std::equal_to<>> byTitle_;
};

}  // namespace flower::data
