// UTF-8 helpers shared by the readers (strict validation: dataset files are rejected with a
// located flower::Error rather than passing bad bytes to the tokenizer) and the tokenizer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flower::util {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt when valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (the caller guarantees a Unicode scalar value).
void appendUtf8(char32_t cp, std::string& out);

}  // namespace flower::util
