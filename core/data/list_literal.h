// Python list literals as BIGRec/Flower CSV files store them: `['A', "B's"]`, `[12, 7]`,
// `[5.0, 4.0]`. The parser accepts exactly what Python's ast.literal_eval accepts for a flat
// list of strings and numbers: single- or double-quoted strings (optional u/r prefix, every
// backslash escape of Python 3, adjacent literals concatenated), ints, floats, optional trailing
// comma, any whitespace between tokens. Nested lists, tuples, bytes, triple quotes: rejected.
// Failure: flower::Error at the given location, saying which character and what was expected.
#pragma once

#include "core/util/error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flower::data {

using ListValue = std::variant<std::string, std::int64_t, double>;

std::vector<ListValue> parsePythonList(std::string_view text, const ErrorLocation& where);

// The same, requiring every element to be a string / an int / a number (int or float).
std::vector<std::string> parseStringList(std::string_view text, const ErrorLocation& where);
std::vector<std::int64_t> parseIntList(std::string_view text, const ErrorLocation& where);
std::vector<double> parseNumberList(std::string_view text, const ErrorLocation& where);

// Python's repr() of a str for ASCII text (non-ASCII UTF-8 is kept as is): single quotes
// unless the text holds a single quote and no double quote.
std::string pythonStringRepr(std::string_view text);
// "['a', 'b']" / "[1, 2]" as Python's str() of a list writes it.
std::string pythonList(const std::vector<std::string>& values);
std::string pythonList(const std::vector<std::int64_t>& values);

}  // namespace flower::data
