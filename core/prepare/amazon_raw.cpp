#include "core/prepare/amazon_raw.h"

#include "core/prepare/json_fields.h"
#include "core/prepare/line_reader.h"
#include "core/prepare/python_text.h"
#include "core/prepare/title_rules.h"
#include "core/util/error.h"
#include "core/util/utf8.h"

#include <string_view>
#include <unordered_map>

namespace flower::prepare {

namespace {

constexpr std::int64_t kProgressEvery = 8192;  // lines between progress calls

bool blank(std::string_view line) {
    for (const char c : line) {
        if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
}

// One bad line: thrown in strict mode, counted otherwise.
class BadLineHandler {
public:
    BadLineHandler(const LineReader& reader, bool strict, BadLines& bad)
        : reader_(reader), strict_(strict), bad_(bad) {}

    void report(std::int64_t BadLines::*counter, const std::string& field, const std::string& message) {
        const Error error({reader_.path(), reader_.lineNumber(), field}, message);
        if (strict_) throw error;
        ++(bad_.*counter);
        if (bad_.first.empty()) bad_.first = error.what();
    }

private:
    const LineReader& reader_;
    bool strict_;
    BadLines& bad_;
};

// The string value of a required member, or nullptr after reporting it.
const JsonField* requireString(const JsonField& f, const char* name, BadLineHandler& bad) {
    if (f.kind == JsonField::Kind::Missing) {
        bad.report(&BadLines::missingField, name, std::string("the member \"") + name + "\" is missing");
        return nullptr;
    }
    if (f.kind != JsonField::Kind::String) {
        bad.report(&BadLines::wrongType, name, "expected a string, got " + std::string(f.raw.substr(0, 40)));
        return nullptr;
    }
    if (const auto at = util::firstInvalidUtf8(f.text())) {
        bad.report(&BadLines::wrongType, name, "invalid UTF-8 at byte " + std::to_string(*at + 1) + " of the string");
        return nullptr;
    }
    return &f;
}

bool checkProgress(const ReadProgress& progress, const LineReader& reader) {
    if (progress && reader.lineNumber() % kProgressEvery == 0) {
        if (!progress(reader.bytesRead(), reader.fileSize())) throw Error("cancelled");
    }
    return true;
}

void finishFile(InputFile& file, const LineReader& reader, const ReadProgress& progress) {
    file.path = reader.path();
    file.bytes = reader.fileSize();
    file.textBytes = reader.textBytes();
    file.gzipped = reader.gzipped();
    file.sha256 = reader.sha256();
    if (progress && !progress(reader.fileSize(), reader.fileSize())) throw Error("cancelled");
}

}  // namespace

MetaTable readMeta(const std::string& path, bool strict, const ReadProgress& progress) {
    MetaTable meta;
    LineReader reader(path);
    BadLineHandler bad(reader, strict, meta.file.bad);
    JsonFields json({"asin", "title"});
    std::string_view line;
    while (reader.next(line)) {
        checkProgress(progress, reader);
        if (blank(line)) continue;
        ++meta.file.lines;
        try {
            json.scan(line);
        } catch (const JsonSyntaxError& e) {
            bad.report(&BadLines::malformedJson, "", e.what());
            continue;
        }
        const JsonField* asin = requireString(json.field(0), "asin", bad);
        if (asin == nullptr) continue;
        const JsonField& title = json.field(1);
        std::uint32_t titleIndex = MetaRecord::kNoTitle;
        if (title.kind != JsonField::Kind::Missing) {
            if (requireString(title, "title", bad) == nullptr) continue;
            if (hasSpanMarkup(title.text())) {
                titleIndex = MetaRecord::kSpan;
            } else {
                titleIndex = static_cast<std::uint32_t>(meta.titles.size());
                meta.titles.emplace_back(title.text());
            }
        }
        const std::uint32_t item = meta.asins.intern(asin->text());
        if (item >= meta.hasTitle.size()) meta.hasTitle.push_back(0);
        if (titleIndex < MetaRecord::kSpan) meta.hasTitle[item] = 1;
        meta.records.push_back({item, titleIndex});
    }
    meta.file.lines = reader.lineNumber();
    finishFile(meta.file, reader, progress);
    return meta;
}

ReviewTable readReviews(const std::string& path, const MetaTable& meta, bool strict,
                        const ReadProgress& progress) {
    ReviewTable table;
    LineReader reader(path);
    BadLineHandler bad(reader, strict, table.file.bad);
    JsonFields json({"reviewerID", "asin", "unixReviewTime", "overall"});
    std::unordered_map<std::string, std::uint32_t> ratingIndex;
    std::string_view line;
    while (reader.next(line)) {
        checkProgress(progress, reader);
        if (blank(line)) continue;
        try {
            json.scan(line);
        } catch (const JsonSyntaxError& e) {
            bad.report(&BadLines::malformedJson, "", e.what());
            continue;
        }
        const JsonField* user = requireString(json.field(0), "reviewerID", bad);
        if (user == nullptr) continue;
        const JsonField* asin = requireString(json.field(1), "asin", bad);
        if (asin == nullptr) continue;
        const JsonField& time = json.field(2);
        if (time.kind == JsonField::Kind::Missing) {
            bad.report(&BadLines::missingField, "unixReviewTime", "the member \"unixReviewTime\" is missing");
            continue;
        }
        if (time.kind != JsonField::Kind::Integer) {
            bad.report(&BadLines::wrongType, "unixReviewTime",
                       "expected an integer (seconds since 1970), got " + std::string(time.raw.substr(0, 40)));
            continue;
        }
        const JsonField& overall = json.field(3);
        if (overall.kind == JsonField::Kind::Missing) {
            bad.report(&BadLines::missingField, "overall", "the member \"overall\" is missing");
            continue;
        }
        if (overall.kind != JsonField::Kind::Integer && overall.kind != JsonField::Kind::Float) {
            bad.report(&BadLines::wrongType, "overall", "expected a number, got " + std::string(overall.raw.substr(0, 40)));
            continue;
        }
        const std::uint32_t item = meta.asins.find(asin->text());
        if (item == StringPool::kNone || !meta.hasTitle[item]) {
            ++table.withoutTitle;
            continue;
        }
        std::string key(overall.raw);
        auto it = ratingIndex.find(key);
        if (it == ratingIndex.end()) {
            // Python prints an int rating as an int, a float with repr().
            const std::string repr = overall.kind == JsonField::Kind::Integer
                                         ? std::to_string(overall.integer)
                                         : pythonFloatRepr(overall.number);
            it = ratingIndex.emplace(std::move(key), static_cast<std::uint32_t>(table.ratings.size())).first;
            table.ratings.push_back(repr);
        }
        table.reviews.push_back({time.integer, table.users.intern(user->text()), item, it->second});
    }
    table.file.lines = reader.lineNumber();
    finishFile(table.file, reader, progress);
    return table;
}

}  // namespace flower::prepare
