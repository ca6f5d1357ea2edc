// JsonFields: the few top-level members of a one-line JSON object that the preparation reads
// (`reviewerID`, `asin`, `unixReviewTime`, `overall`; `asin`, `title`), without building a
// document. Strings are located with memchr and only the wanted ones are decoded; every other
// value (nested objects, arrays, long HTML strings) is skipped after a structural check
// (brackets balance and match, strings close, literals and numbers are well formed).
// Duplicate keys: the last one wins, as Python's json.loads does.
//
// Failure: JsonSyntaxError with the byte column and what was expected; the caller adds the
// file and line (AmazonRawReader turns it into a located flower::Error).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flower::prepare {

struct JsonSyntaxError : std::runtime_error {
    JsonSyntaxError(std::size_t column, const std::string& what)
        : std::runtime_error(what), column(column) {}
    std::size_t column;  // 1-based byte offset in the line
};

struct JsonField {
    enum class Kind { Missing, String, Integer, Float, Other };
    Kind kind = Kind::Missing;
    std::string_view raw;     // the value as written (a string without its quotes, undecoded)
    std::string decoded;      // a string with escapes, decoded to UTF-8 (see text())
    bool escaped = false;
    std::int64_t integer = 0;
    double number = 0.0;      // Integer and Float

    std::string_view text() const { return escaped ? std::string_view(decoded) : raw; }
};

class JsonFields {
public:
    // The keys to extract, in the order field() indexes them.
    explicit JsonFields(std::vector<std::string> keys);

    // Parses one line (an object, optional surrounding whitespace). Views point into `line`.
    void scan(std::string_view line);
    const JsonField& field(std::size_t index) const { return fields_[index]; }

private:
    std::vector<std::string> keys_;
    std::vector<JsonField> fields_;
};

}  // namespace flower::prepare
