// Tokenizer: a Hugging Face tokenizer.json of the byte-level BPE kind (Qwen2/Qwen2.5, GPT-2,
// Llama-3 style) — added tokens matched in the raw text, the normalizer (NFC, ...), the
// pre-tokenizer (Split regex via PCRE2, ByteLevel), ranked BPE merges, and the ByteLevel decoder.
// encode() never adds special tokens (the post-processor is not applied): titles and prompts
// are tokenized exactly as the reference does with add_special_tokens=False.
//
// Ownership: a Tokenizer owns its tables (~30 MB for Qwen's 151k tokens); it is move-only and
// every method is const and thread-safe (the word cache locks internally).
// Failure: anything wrong with the file (missing, truncated JSON, a non-BPE model type — named
// in the message —, a merge naming an unknown token, an unsupported component) is a
// flower::Error naming the file and field. encode() throws an Error on invalid UTF-8.
#pragma once

#include "core/text/added_vocabulary.h"
#include "core/text/bpe_model.h"
#include "core/text/normalizer.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/token_id.h"

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

struct TokenizerJsonParts;

class Tokenizer {
public:
    // Reads a tokenizer.json. Error when the file is absent or unreadable, or see above.
    static Tokenizer fromFile(const std::filesystem::path& path);
    // Parses tokenizer.json text; `sourceName` names it in error messages.
    static Tokenizer fromJsonText(const std::string& jsonText, const std::string& sourceName);

    Tokenizer(Tokenizer&&) noexcept = default;
    Tokenizer& operator=(Tokenizer&&) = delete;

    // Token ids of `text` (no special tokens added). Error when `text` is not valid UTF-8.
    std::vector<TokenId> encode(std::string_view text) const;
    // Appends the ids of `text` to `out` (reuses the caller's buffer).
    void encodeInto(std::string_view text, std::vector<TokenId>& out) const;

    // The text of `ids`; invalid UTF-8 from partial byte sequences becomes U+FFFD, as in
    // Hugging Face. `skipSpecial` drops added tokens marked special. Error on an unknown id.
    std::string decode(std::span<const TokenId> ids, bool skipSpecial = false) const;

    // The normalizer alone (NFC for Qwen): decode(encode(x)) == normalize(x).
    std::string normalize(std::string_view text) const { return normalizer_.apply(text); }

    // Token string of one id as stored in the vocabulary (byte-level form, e.g. "ĠThe"), or
    // the content of an added token. Error on an unknown id.
    std::string idToToken(TokenId id) const;
    // The id of a vocabulary token or added token, by its stored string.
    std::optional<TokenId> tokenToId(std::string_view token) const;

    // One past the largest id (vocabulary and added tokens): the size an id-indexed table needs.
    TokenId idEnd() const { return idEnd_; }
    const std::vector<AddedToken>& addedTokens() const { return added_.tokens(); }
    bool isSpecial(TokenId id) const;
    const std::string& source() const { return source_; }

private:
    Tokenizer(std::string source, Normalizer normalizer, PreTokenizer preTokenizer, BpeModel model,
              AddedVocabulary added, bool byteLevelDecoder);
    // From the parsed document; with `parts` (the fast reading) the vocabulary and merges come
    // from there. nullopt only when `parts` names a vocabulary token twice.
    static std::optional<Tokenizer> fromDocument(const nlohmann::json& doc,
                                                 const std::string& sourceName,
                                                 TokenizerJsonParts* parts);
    void encodeOrdinary(std::string_view text, std::vector<TokenId>& out) const;
    void encodeNormalized(std::string_view normalized, std::vector<TokenId>& out) const;

    std::string source_;
    Normalizer normalizer_;
    PreTokenizer preTokenizer_;
    BpeModel model_;
    AddedVocabulary added_;
    bool byteLevelDecoder_ = true;
    TokenId idEnd_ = 0;
};

}  // namespace flower::text
