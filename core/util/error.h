// flower::Error — a problem the user can cause and fix (a file, a config, a command line).
// It says where (file, line, field) and what was expected, so messages read
// "train.csv line 812, field history_item_title: expected a Python list literal".
// Core throws it; app/ and widgets/ catch it and show the message. Bugs use TORCH_CHECK/assert.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace flower {

// Where a user-visible problem is. Every part is optional; line 0 means "no line".
struct ErrorLocation {
    std::string file;
    std::int64_t line = 0;
    std::string field;
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message);
    Error(ErrorLocation where, const std::string& message);

    const ErrorLocation& where() const noexcept { return where_; }
    // The message without the location prefix.
    const std::string& detail() const noexcept { return detail_; }

private:
    ErrorLocation where_;
    std::string detail_;
};

// "file line N, field F" (the parts that are set), or "" when nothing is set.
std::string describeLocation(const ErrorLocation& where);

}  // namespace flower
