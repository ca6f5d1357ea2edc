// RFC 4180 CSV tables (quoted fields with embedded commas, quotes and line breaks), parsed with
// libcsv in strict mode. The first record is the header; columns are looked up by name.
// Every record keeps the line on which it starts, so callers can say "train.csv line 812".
// Failure: flower::Error naming the file and line — unreadable file, malformed quoting, a
// record with the wrong number of fields, invalid UTF-8 in a field (the field is named).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flower::data {

struct CsvRecord {
    std::int64_t line = 0;            // 1-based line where the record starts
    std::vector<std::string> fields;  // one per header column
};

class CsvTable {
public:
    // Reads and parses a whole file. `displayName` is what errors call it (default: the path).
    static CsvTable readFile(const std::filesystem::path& path, std::string displayName = "");
    // Parses text already in memory (tests, generated data).
    static CsvTable parse(std::string_view text, const std::string& displayName);

    const std::string& name() const { return name_; }
    const std::vector<std::string>& header() const { return header_; }
    const std::vector<CsvRecord>& records() const { return records_; }

    // Index of the column called `column`, or nullopt.
    std::optional<std::size_t> column(std::string_view column) const;
    // Index of the column called `column`; throws flower::Error (file, field) when absent.
    std::size_t requireColumn(std::string_view column) const;

private:
    std::string name_;
    std::vector<std::string> header_;
    std::vector<CsvRecord> records_;
};

// A field as RFC 4180 writes it: quoted (doubling inner quotes) when it holds a comma, a
// quote, a line break or leading/trailing space; unchanged otherwise.
std::string csvField(std::string_view value);

}  // namespace flower::data
