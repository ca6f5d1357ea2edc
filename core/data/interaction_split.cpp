#include "core/data/interaction_split.h"

#include "core/data/csv_reader.h"
#include "core/data/list_literal.h"
#include "core/util/error.h"

#include <charconv>

namespace flower::data {

namespace {

constexpr const char* kHistoryTitle = "history_item_title";
constexpr const char* kTargetTitle = "item_title";
constexpr const char* kHistoryId = "history_item_id";
constexpr const char* kTargetId = "item_id";
constexpr const char* kUser = "user_id";
constexpr const char* kHistoryRating = "history_rating";
constexpr const char* kRating = "rating";
constexpr const char* kHistoryTimestamp = "history_timestamp";
constexpr const char* kTimestamp = "timestamp";

// Maps a title (and the id the file gives, if any) to the catalog's id.
ItemId resolve(const Catalog& catalog, const std::string& title, std::optional<ItemId> id,
               const ErrorLocation& where) {
    if (id) {
        if (!catalog.contains(*id)) {
            throw Error(where, "item id " + std::to_string(*id) + " is not in the catalog (ids 0.." +
                                   std::to_string(catalog.size() - 1) + ")");
        }
        if (catalog.title(*id) != title) {
            throw Error(where, "item id " + std::to_string(*id) + " is titled '" +
                                   catalog.title(*id) + "' in the items file, but this row says '" +
                                   title + "'");
        }
        return *id;
    }
    const ItemId found = catalog.firstIdOfTitle(title);
    if (found < 0) {
        throw Error(where, "unknown title '" + title + "' (expected a title of the items file)");
    }
    return found;
}

template <typename T>
T parseScalar(const std::string& text, const ErrorLocation& where, const char* what) {
    T value{};
    const char* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, value);
    if (text.empty() || r.ec != std::errc() || r.ptr != end) {
        throw Error(where, "'" + text + "' is not " + what);
    }
    return value;
}

}  // namespace

InteractionSplit InteractionSplit::readCsv(const std::filesystem::path& path,
                                           const Catalog& catalog, std::string displayName) {
    return fromTable(CsvTable::readFile(path, std::move(displayName)), catalog);
}

InteractionSplit InteractionSplit::fromTable(const CsvTable& table, const Catalog& catalog) {
    const std::string& file = table.name();
    const std::size_t cHistoryTitle = table.requireColumn(kHistoryTitle);
    const std::size_t cTargetTitle = table.requireColumn(kTargetTitle);
    const auto cHistoryId = table.column(kHistoryId);
    const auto cTargetId = table.column(kTargetId);
    const auto cUser = table.column(kUser);
    const auto cHistoryRating = table.column(kHistoryRating);
    const auto cRating = table.column(kRating);
    const auto cHistoryTimestamp = table.column(kHistoryTimestamp);
    const auto cTimestamp = table.column(kTimestamp);
    if (table.records().empty()) {
        throw Error({file, 0, ""}, "empty split: the file has a header but no rows");
    }

    std::vector<InteractionRow> rows;
    rows.reserve(table.records().size());
    for (const CsvRecord& record : table.records()) {
        const auto& f = record.fields;
        const auto at = [&](const char* field) { return ErrorLocation{file, record.line, field}; };
        InteractionRow row;
        row.line = record.line;

        const std::vector<std::string> historyTitles =
            parseStringList(f[cHistoryTitle], at(kHistoryTitle));
        std::vector<ItemId> historyIds;
        if (cHistoryId) {
            historyIds = parseIntList(f[*cHistoryId], at(kHistoryId));
            if (historyIds.size() != historyTitles.size()) {
                throw Error(at(kHistoryId), "has " + std::to_string(historyIds.size()) +
                                                " ids but history_item_title has " +
                                                std::to_string(historyTitles.size()) + " titles");
            }
        }
        row.history.reserve(historyTitles.size());
        for (std::size_t k = 0; k < historyTitles.size(); ++k) {
            row.history.push_back(resolve(
                catalog, historyTitles[k],
                cHistoryId ? std::optional<ItemId>(historyIds[k]) : std::nullopt,
                at(kHistoryTitle)));
        }
        row.target = resolve(catalog, f[cTargetTitle],
                             cTargetId ? std::optional<ItemId>(parseScalar<ItemId>(
                                             f[*cTargetId], at(kTargetId), "an integer item id"))
                                       : std::nullopt,
                             at(kTargetTitle));

        if (cUser) {
            row.user = f[*cUser];
        }
        if (cHistoryRating) {
            row.historyRatings = parseNumberList(f[*cHistoryRating], at(kHistoryRating));
            if (row.historyRatings.size() != row.history.size()) {
                throw Error(at(kHistoryRating), "has " + std::to_string(row.historyRatings.size()) +
                                                    " ratings for a history of " +
                                                    std::to_string(row.history.size()) + " items");
            }
        }
        if (cRating) {
            row.rating = parseScalar<double>(f[*cRating], at(kRating), "a number");
        }
        if (cHistoryTimestamp) {
            row.historyTimestamps = parseIntList(f[*cHistoryTimestamp], at(kHistoryTimestamp));
            if (row.historyTimestamps.size() != row.history.size()) {
                throw Error(at(kHistoryTimestamp),
                            "has " + std::to_string(row.historyTimestamps.size()) +
                                " timestamps for a history of " +
                                std::to_string(row.history.size()) + " items");
            }
        }
        if (cTimestamp) {
            row.timestamp =
                parseScalar<std::int64_t>(f[*cTimestamp], at(kTimestamp), "an integer timestamp");
        }
        rows.push_back(std::move(row));
    }
    return InteractionSplit(file, std::move(rows));
}

bool InteractionSplit::hasUsers() const {
    for (const auto& r : rows_) {
        if (r.user.empty()) return false;
    }
    return !rows_.empty();
}

bool InteractionSplit::hasRatings() const {
    for (const auto& r : rows_) {
        if (!r.rating) return false;
    }
    return !rows_.empty();
}

bool InteractionSplit::hasTimestamps() const {
    for (const auto& r : rows_) {
        if (!r.timestamp) return false;
    }
    return !rows_.empty();
}

}  // namespace flower::data
