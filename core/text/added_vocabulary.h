// The `added_tokens` of a Hugging Face tokenizer.json (<|endoftext|>, <|im_start|>, ...): they
// are found in the text before normalisation and pre-tokenisation (or after normalisation for
// tokens marked "normalized"), leftmost-longest, honouring single_word, lstrip and rstrip, and
// never enter BPE. Immutable after construction; thread-safe.
// Failure: a malformed entry is an Error at load time naming added_tokens[i].
#pragma once

#include "core/text/token_id.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

struct AddedToken {
    TokenId id = 0;
    std::string content;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

class AddedVocabulary {
public:
    // One piece of split text: an added token (`token` set) or a stretch of ordinary text.
    struct Segment {
        std::string_view text;
        std::optional<TokenId> token;
    };

    static AddedVocabulary fromJson(const nlohmann::json& list, const std::string& file);

    // Splits `text` on the tokens with normalized == `normalizedTokens`. Segments view `text`.
    void split(std::string_view text, bool normalizedTokens, std::vector<Segment>& out) const;

    const std::vector<AddedToken>& tokens() const { return tokens_; }
    const AddedToken* find(TokenId id) const;
    std::optional<TokenId> idOf(std::string_view content) const;
    bool hasNormalizedTokens() const { return hasNormalized_; }
    bool empty() const { return tokens_.empty(); }

private:
    std::vector<AddedToken> tokens_;
    std::vector<std::vector<std::size_t>> byFirstByte_;  // [256] -> indices into tokens_
    bool hasNormalized_ = false;
};

}  // namespace flower::text
