// A hand-made byte-level BPE tokenizer.json for tests: the 256 byte characters (id = byte
// value), a few ranked merges and added tokens, so expected ids can be worked out by hand.
#pragma once

#include "core/text/byte_level.h"

#include <nlohmann/json.hpp>

#include <string>

namespace flower::test {

// Merges by rank: 0 "a b"->ab(256), 1 "ab c"->abc(257), 2 "Ġ ab"->Ġab(258), 3 "b c"->bc(259).
// Added tokens: <|end|> 300 (special), [MASK] 301 (lstrip+rstrip), <w> 302 (single_word).
inline nlohmann::json tinyTokenizerJson() {
    nlohmann::json vocab = nlohmann::json::object();
    const auto& alphabet = flower::text::byteLevelAlphabet();
    for (int b = 0; b < 256; ++b) vocab[alphabet[b]] = b;
    vocab["ab"] = 256;
    vocab["abc"] = 257;
    vocab["\xC4\xA0" "ab"] = 258;  // "Ġab"
    vocab["bc"] = 259;
    const auto added = [](int id, const char* content, bool special, bool lr, bool single) {
        return nlohmann::json{{"id", id},          {"content", content}, {"single_word", single},
                              {"lstrip", lr},      {"rstrip", lr},       {"normalized", false},
                              {"special", special}};
    };
    return nlohmann::json{
        {"version", "1.0"},
        {"added_tokens",
         {added(300, "<|end|>", true, false, false), added(301, "[MASK]", false, true, false),
          added(302, "<w>", false, false, true)}},
        {"normalizer", {{"type", "NFC"}}},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern",
              {{"Regex",
                R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
        {"post_processor", nullptr},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", nullptr},
          {"vocab", vocab},
          {"merges", {"a b", {"ab", "c"}, "\xC4\xA0 ab", "b c"}}}}};
}

}  // namespace flower::test
