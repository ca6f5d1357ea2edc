// Text exactly as the reference's Python writes it, for byte-identical output files:
// repr() of a str (Unicode-aware: non-printable characters escaped as CPython does, by their
// Unicode category via utf8proc), repr() of a float, str() of a list of them, csv.writer's
// field quoting (QUOTE_MINIMAL, '\r\n' line ends) and json.dump's strings with
// ensure_ascii=False.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flower::prepare {

// repr(s) for a UTF-8 string (the caller guarantees valid UTF-8).
std::string pythonRepr(std::string_view utf8);
// repr(x) for a float: shortest round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16,
// otherwise d.ddde±XX; "5.0", "0.0001", "1e-05", "1e+16", "inf", "nan".
std::string pythonFloatRepr(double x);
// Appends a field as csv.writer (excel dialect) writes it: quoted, with '"' doubled, when it
// holds ',', '"', '\r' or '\n'.
void appendCsvField(std::string& out, std::string_view field);
// Appends a JSON string literal as json.dumps(..., ensure_ascii=False) writes it.
void appendJsonString(std::string& out, std::string_view utf8);

}  // namespace flower::prepare
