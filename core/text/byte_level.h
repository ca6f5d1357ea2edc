// The byte-level alphabet of GPT-2-style BPE (Hugging Face `ByteLevel`): every byte 0..255 is
// shown as one printable Unicode character, so a vocabulary of strings can cover arbitrary bytes
// ("Ġ" = U+0120 = the space byte). Pure functions over a fixed table; no failure modes except
// the documented replacement of invalid UTF-8 in decodeByteLevel.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace flower::text {

// The code point that stands for byte `b`.
char32_t byteToCodePoint(std::uint8_t b);

// The UTF-8 spelling of each byte's character (1 or 2 bytes long).
const std::array<std::string, 256>& byteLevelAlphabet();

// Maps raw bytes to their byte-level characters ("a b" -> "aĠb").
std::string toByteLevel(std::string_view bytes);

// Reverses toByteLevel for the concatenation of decoded tokens, as Hugging Face's ByteLevel
// decoder does: each token whose characters are all in the alphabet becomes those bytes; a
// token holding any other character (an added token such as "<|im_start|>" is fine, a
// non-alphabet character is not) contributes its own UTF-8 bytes unchanged.
void appendByteLevelToken(std::string_view token, std::string& bytes);

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes U+FFFD.
std::string utf8Lossy(std::string_view bytes);

// Decodes the code point starting at `s[i]`, advancing `i`; returns U+FFFD (and advances one
// byte) on an invalid sequence.
char32_t nextCodePoint(std::string_view s, std::size_t& i);

}  // namespace flower::text
