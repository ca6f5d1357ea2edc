#include "core/data/catalog.h"

#include "core/util/utf8.h"
#include "core/util/error.h"

#include <charconv>
#include <fstream>
#include <iterator>

namespace flower::data {

Catalog::Catalog(std::vector<std::string> titles) : titles_(std::move(titles)) {
    byTitle_.reserve(titles_.size());
    for (std::size_t id = 0; id < titles_.size(); ++id) {
        byTitle_[titles_[id]].push_back(static_cast<ItemId>(id));
    }
}

const std::vector<ItemId>& Catalog::idsOfTitle(std::string_view title) const {
    static const std::vector<ItemId> kNone;
    const auto it = byTitle_.find(title);
    return it == byTitle_.end() ? kNone : it->second;
}

ItemId Catalog::firstIdOfTitle(std::string_view title) const {
    const auto& ids = idsOfTitle(title);
    return ids.empty() ? -1 : ids.front();
}

Catalog Catalog::readItemsFile(const std::filesystem::path& path, std::string displayName) {
    if (displayName.empty()) {
        displayName = path.string();
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error({displayName, 0, ""}, "file not found (expected an items file, one "
                                          "title<TAB>id a line, at " + path.string() + ")");
    }
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    struct Entry {
        std::string title;
        ItemId id;
        std::int64_t line;
    };
    std::vector<Entry> entries;
    std::int64_t line = 0;
    std::int64_t blankLine = 0;  // a blank line is fine only when nothing follows it
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++line;
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::string_view row(text.data() + pos, end - pos);
        pos = end + 1;
        if (!row.empty() && row.back() == '\r') {
            row.remove_suffix(1);
        }
        if (row.empty()) {
            blankLine = blankLine ? blankLine : line;
            continue;
        }
        if (blankLine) {
            throw Error({displayName, blankLine, ""}, "blank line (expected title<TAB>id)");
        }
        if (const auto bad = util::firstInvalidUtf8(row)) {
            throw Error({displayName, line, "title"},
                        "invalid UTF-8 (byte " + std::to_string(*bad) + "); expected UTF-8 text");
        }
        // The id is after the last tab, so a title could even hold a tab.
        const std::size_t tab = row.rfind('\t');
        if (tab == std::string_view::npos) {
            throw Error({displayName, line, ""}, "no tab (expected title<TAB>id)");
        }
        const std::string_view title = row.substr(0, tab);
        const std::string_view idText = row.substr(tab + 1);
        ItemId id = -1;
        const auto r = std::from_chars(idText.data(), idText.data() + idText.size(), id);
        if (idText.empty() || r.ec != std::errc() || r.ptr != idText.data() + idText.size() ||
            id < 0) {
            throw Error({displayName, line, "id"},
                        "'" + std::string(idText) + "' is not a non-negative integer id");
        }
        if (title.empty()) {
            throw Error({displayName, line, "title"}, "empty title");
        }
        entries.push_back({std::string(title), id, line});
    }
    if (entries.empty()) {
        throw Error({displayName, 0, ""}, "no items (expected one title<TAB>id a line)");
    }

    std::vector<std::string> titles(entries.size());
    std::vector<std::int64_t> seenOn(entries.size(), 0);
    for (auto& e : entries) {
        if (static_cast<std::size_t>(e.id) >= entries.size()) {
            throw Error({displayName, e.line, "id"},
                        "id " + std::to_string(e.id) + " is out of range (expected ids 0.." +
                            std::to_string(entries.size() - 1) + " for " +
                            std::to_string(entries.size()) + " items)");
        }
        auto& seen = seenOn[static_cast<std::size_t>(e.id)];
        if (seen) {
            throw Error({displayName, e.line, "id"},
                        "id " + std::to_string(e.id) + " already used on line " +
                            std::to_string(seen) + " (expected each id once)");
        }
        seen = e.line;
        titles[static_cast<std::size_t>(e.id)] = std::move(e.title);
    }
    return Catalog(std::move(titles));
}

}  // namespace flower::data
