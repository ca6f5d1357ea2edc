// Reading the Amazon Review Data (2018) dumps: `meta_{Category}.json(.gz)` (asin, title) and
// `{Category}(_5).json(.gz)` (reviewerID, asin, unixReviewTime, overall), one JSON object a
// line. Only what the preparation needs is kept, compactly: every meta record (in file order,
// so the reference's "later copy wins / one bad copy removes" rules can be replayed per round)
// and the reviews of asins that have at least one meta record with a title (the others can
// never be kept, whatever the window). Memory: ~24 bytes a kept review + the distinct ids.
//
// Bad lines (malformed JSON, a missing or mistyped field, invalid UTF-8 in a field read) are a
// flower::Error naming file, line and field; with strict = false they are skipped and counted.
#pragma once

#include "core/prepare/string_pool.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace flower::prepare {

// Called now and then while a file is read: bytes of the file read so far and its size.
// Returning false cancels (flower::Error "cancelled").
using ReadProgress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

struct BadLines {
    std::int64_t malformedJson = 0;
    std::int64_t missingField = 0;
    std::int64_t wrongType = 0;     // a field of the wrong JSON type, invalid UTF-8
    std::string first;              // the message of the first bad line ("" when none)
    std::int64_t total() const { return malformedJson + missingField + wrongType; }
};

struct InputFile {
    std::string path;
    std::uint64_t bytes = 0;        // size on disk
    std::uint64_t textBytes = 0;    // uncompressed
    bool gzipped = false;
    std::string sha256;
    std::int64_t lines = 0;         // JSON lines (blank lines are not counted)
    BadLines bad;
};

struct MetaRecord {
    static constexpr std::uint32_t kNoTitle = 0xFFFFFFFFU;  // no `title` member
    static constexpr std::uint32_t kSpan = 0xFFFFFFFEU;     // title contains "<span id"
    std::uint32_t item;   // index into MetaTable::asins
    std::uint32_t title;  // index into MetaTable::titles, or kNoTitle / kSpan
};

struct MetaTable {
    StringPool asins;                  // every asin of the meta file: the item index
    std::vector<MetaRecord> records;   // file order
    std::vector<std::string> titles;   // raw titles (JSON-decoded, not cleaned)
    std::vector<std::uint8_t> hasTitle;  // per item: some record has a title without <span id
    InputFile file;
};

struct Review {
    std::int64_t time;     // unixReviewTime
    std::uint32_t user;    // index into ReviewTable::users
    std::uint32_t item;    // index into MetaTable::asins
    std::uint32_t rating;  // index into ReviewTable::ratings
};

struct ReviewTable {
    StringPool users;
    std::vector<Review> reviews;        // file order
    std::vector<std::string> ratings;   // Python's repr of each distinct `overall` ("5.0")
    std::int64_t withoutTitle = 0;      // reviews dropped at once: no titled meta record
    InputFile file;
};

MetaTable readMeta(const std::string& path, bool strict, const ReadProgress& progress = {});
ReviewTable readReviews(const std::string& path, const MetaTable& meta, bool strict,
                        const ReadProgress& progress = {});

}  // namespace flower::prepare
