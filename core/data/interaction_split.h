// One split of a sequential-recommendation dataset (train, valid or test): rows of "history
// item ids → next item id", with the user, ratings and timestamps when the file has them.
// Read from BIGRec/Flower CSV files: columns are found by name; only history_item_title and
// item_title are required. When history_item_id/item_id are present they are the identity and
// must agree with the catalog's titles; when absent, a title maps to the smallest id carrying it.
// Failure: flower::Error naming the file, the record's starting line and the field.
#pragma once

#include "core/data/catalog.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flower::data {

class CsvTable;

struct InteractionRow {
    std::vector<ItemId> history;                 // oldest first
    ItemId target = -1;                          // the next item
    std::string user;                            // "" when the file has no user_id
    std::vector<double> historyRatings;          // empty when absent
    std::optional<double> rating;
    std::vector<std::int64_t> historyTimestamps;  // empty when absent
    std::optional<std::int64_t> timestamp;
    std::int64_t line = 0;                       // record's starting line in its file (0: built in memory)
};

class InteractionSplit {
public:
    InteractionSplit() = default;
    InteractionSplit(std::string name, std::vector<InteractionRow> rows)
        : name_(std::move(name)), rows_(std::move(rows)) {}

    // Reads a CSV file. `displayName` is what errors call it (default: the path).
    // An empty split (no rows) is an error.
    static InteractionSplit readCsv(const std::filesystem::path& path, const Catalog& catalog,
                                    std::string displayName = "");
    static InteractionSplit fromTable(const CsvTable& table, const Catalog& catalog);

    const std::string& name() const { return name_; }
    const std::vector<InteractionRow>& rows() const { return rows_; }
    std::size_t size() const { return rows_.size(); }
    bool hasUsers() const;       // every row names a user
    bool hasRatings() const;     // every row has ratings
    bool hasTimestamps() const;  // every row has timestamps

private:
    std::string name_;
    std::vector<InteractionRow> rows_;
};

}  // namespace flower::data
