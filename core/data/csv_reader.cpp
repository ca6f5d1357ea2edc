#include "core/data/csv_reader.h"

#include "core/util/utf8.h"
#include "core/util/error.h"

#include <csv.h>

#include <fstream>
#include <memory>

namespace flower::data {

namespace {

// State shared with libcsv's C callbacks while one table is parsed.
struct ParseState {
    std::vector<CsvRecord> records;
    std::vector<std::string> current;
    std::int64_t recordLine = 1;
};

void onField(void* data, std::size_t length, void* state) {
    auto* s = static_cast<ParseState*>(state);
    s->current.emplace_back(static_cast<const char*>(data), length);
}

void onRecordEnd(int /*terminator*/, void* state) {
    auto* s = static_cast<ParseState*>(state);
    s->records.push_back({s->recordLine, std::move(s->current)});
    s->current.clear();
}

// RFC 4180 keeps spaces as field content; libcsv trims spaces and tabs unless told otherwise.
int noSpace(unsigned char) { return 0; }

struct ParserDeleter {
    void operator()(csv_parser* p) const {
        csv_free(p);
        delete p;
    }
};

}  // namespace

CsvTable CsvTable::readFile(const std::filesystem::path& path, std::string displayName) {
    if (displayName.empty()) {
        displayName = path.string();
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error({displayName, 0, ""}, "file not found (expected a CSV file at " +
                                              path.string() + ")");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error({displayName, 0, ""}, "cannot open the file for reading");
    }
    // One read of the whole file (istreambuf_iterator goes a character at a time).
    std::string text(static_cast<std::size_t>(std::filesystem::file_size(path, ec)), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (ec || in.gcount() != static_cast<std::streamsize>(text.size())) {
        throw Error({displayName, 0, ""}, "cannot read the file");
    }
    return parse(text, displayName);
}

CsvTable CsvTable::parse(std::string_view text, const std::string& displayName) {
    std::unique_ptr<csv_parser, ParserDeleter> parser(new csv_parser);
    if (csv_init(parser.get(), CSV_STRICT | CSV_STRICT_FINI) != 0) {
        throw Error({displayName, 0, ""}, "cannot initialise the CSV parser");
    }
    csv_set_space_func(parser.get(), noSpace);

    // A UTF-8 byte order mark (Excel writes one) is not part of the first column's name.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3);
    }
    ParseState state;
    // Feed line by line: a record starts on the first line fed while no row is in progress
    // (libcsv's pstate 0, ROW_NOT_BEGUN), which gives each record its starting line even when
    // quoted fields span lines or blank lines sit between records.
    std::int64_t line = 1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string_view::npos ? text.size() : end + 1;
        if (parser->pstate == 0) {
            state.recordLine = line;
        }
        const std::size_t fed = csv_parse(parser.get(), text.data() + pos, end - pos, onField,
                                          onRecordEnd, &state);
        if (fed != end - pos) {
            throw Error({displayName, state.recordLine, ""},
                        std::string("malformed CSV (") + csv_strerror(csv_error(parser.get())) +
                            "): expected RFC 4180 quoting, a quote inside a field is doubled "
                            "and a quoted field ends before a comma or line break");
        }
        pos = end;
        ++line;
    }
    if (csv_fini(parser.get(), onField, onRecordEnd, &state) != 0) {
        throw Error({displayName, state.recordLine, ""},
                    "malformed CSV: a quoted field is not closed before the end of the file");
    }

    CsvTable table;
    table.name_ = displayName;
    if (state.records.empty()) {
        throw Error({displayName, 0, ""}, "empty file (expected a header line)");
    }
    table.header_ = std::move(state.records.front().fields);
    for (std::size_t c = 0; c < table.header_.size(); ++c) {
        if (util::firstInvalidUtf8(table.header_[c])) {
            throw Error({displayName, 1, ""}, "invalid UTF-8 in the header");
        }
    }
    table.records_.reserve(state.records.size() - 1);
    for (std::size_t r = 1; r < state.records.size(); ++r) {
        CsvRecord& record = state.records[r];
        if (record.fields.size() != table.header_.size()) {
            throw Error({displayName, record.line, ""},
                        "expected " + std::to_string(table.header_.size()) +
                            " fields as in the header, found " +
                            std::to_string(record.fields.size()));
        }
        for (std::size_t c = 0; c < record.fields.size(); ++c) {
            if (const auto bad = util::firstInvalidUtf8(record.fields[c])) {
                throw Error({displayName, record.line, table.header_[c]},
                            "invalid UTF-8 (byte " + std::to_string(*bad) +
                                " of the field); expected UTF-8 text");
            }
        }
        table.records_.push_back(std::move(record));
    }
    return table;
}

std::optional<std::size_t> CsvTable::column(std::string_view column) const {
    for (std::size_t c = 0; c < header_.size(); ++c) {
        if (header_[c] == column) {
            return c;
        }
    }
    return std::nullopt;
}

std::size_t CsvTable::requireColumn(std::string_view column) const {
    if (const auto c = this->column(column)) {
        return *c;
    }
    std::string have;
    for (const auto& h : header_) {
        have += (have.empty() ? "" : ", ") + h;
    }
    throw Error({name_, 1, std::string(column)},
                "missing column (the header has: " + have + ")");
}

std::string csvField(std::string_view value) {
    const bool needsQuotes = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                             (!value.empty() && (value.front() == ' ' || value.back() == ' '));
    if (!needsQuotes) {
        return std::string(value);
    }
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace flower::data
