// Strict UTF-8 validation for text read from user files: dataset readers reject invalid bytes
// with a located flower::Error rather than passing them to the tokenizer.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace flower::data {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt when valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

}  // namespace flower::data
