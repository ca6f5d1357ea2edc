// Fast reading of a tokenizer.json: its two large members, model.vocab and model.merges (151k
// entries each for Qwen, ~95% of the 11 MB), are read straight into flat lists instead of a JSON
// document; the small rest is parsed by nlohmann as before. A full nlohmann document of the file
// costs ~300k std::map and std::string nodes, and made loading the tokenizer most of
// `flower tokenize`'s start-up (app/launcher/README.md has the figures).
//
// Exactness by construction: scanTokenizerJson reads only the plain shape Hugging Face writes
// and returns nullopt for anything else — a syntax error, a byte-order mark, a duplicate key
// (but in model.vocab, whose tokens BpeModel::fromParts checks while it indexes them), an id
// that is not a plain non-negative integer, two tokens with one id, ill-formed UTF-8 or
// an escape it does not decode exactly as nlohmann does, a merge that is neither "a b" nor
// ["a", "b"]. The caller then parses the whole text with nlohmann (the slow path), which gives
// the same result or the exact error message.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flower::text {

struct TokenizerJsonParts {
    // The file as a JSON document without model.vocab and model.merges.
    nlohmann::json document;
    // model.vocab's entries in file order: (token, id); the ids are distinct, the tokens are
    // not checked (see above).
    std::vector<std::pair<std::string, std::int64_t>> vocab;
    // model.merges in rank order: (left, right).
    std::vector<std::pair<std::string, std::string>> merges;
};

// See above. Never throws on malformed input (it returns nullopt); std::bad_alloc may escape.
std::optional<TokenizerJsonParts> scanTokenizerJson(std::string_view text);

}  // namespace flower::text
