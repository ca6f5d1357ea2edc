// The `model` of a Hugging Face tokenizer.json of type "BPE": the vocabulary (token string ↔
// id) and the ranked merges, applied to one pre-tokenised piece at a time. Merges live in a hash
// map keyed by the pair of token ids (rank + merged id), and finished pieces in a bounded cache,
// so repeated words cost one lookup. Thread-safe: the cache has its own mutex.
// Failure (Error at load, naming the field): another model type (the message names it),
// dropout, byte_fallback, a continuing_subword_prefix or end_of_word_suffix (not supported), a
// malformed merge, a merge naming a token that is not in the vocabulary, or a merge whose result
// is not in it.
#pragma once

#include "core/text/token_id.h"
#include "core/text/token_index.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flower::text {

class BpeModel {
public:
    // `spec` is the JSON value of "model"; `byteLevel` says pieces arrive as raw bytes and are
    // mapped to the byte-level alphabet (pre-tokenizer ends in ByteLevel).
    static BpeModel fromJson(const nlohmann::json& spec, bool byteLevel, const std::string& file);

    // (token, id) in the order they are applied: when two tokens share an id, the later one is
    // that id's token string.
    using VocabEntries = std::vector<std::pair<std::string, std::int64_t>>;
    // (left, right), in rank order.
    using MergeEntries = std::vector<std::pair<std::string, std::string>>;
    // The same as fromJson with the vocabulary and merges already read (tokenizer_json_scan.h);
    // `spec` is the rest of "model" (its vocab and merges members, if any, are not read).
    // nullopt when `vocab` names a token twice (a JSON object read by nlohmann cannot; the
    // caller reads the file with nlohmann then, which keeps the last value).
    static std::optional<BpeModel> fromParts(const nlohmann::json& spec, VocabEntries vocab,
                                             const MergeEntries& merges, bool byteLevel,
                                             const std::string& file);

    BpeModel(BpeModel&& other) noexcept;
    BpeModel& operator=(BpeModel&&) = delete;
    BpeModel(const BpeModel&) = delete;

    // Appends the token ids of one piece to `out`.
    void encodePiece(std::string_view piece, std::vector<TokenId>& out) const;

    std::optional<TokenId> tokenToId(std::string_view token) const;
    // The token string of `id` ("" when `id` has no entry in the vocabulary).
    const std::string& idToToken(TokenId id) const;
    // One past the largest id of the vocabulary.
    TokenId idEnd() const { return static_cast<TokenId>(idToToken_.size()); }
    std::size_t mergeCount() const { return merges_.size(); }

private:
    BpeModel() = default;
    // Error for a model type or option this implementation does not support.
    static void checkSupported(const nlohmann::json& spec, const std::string& file);
    struct Merge {
        std::int32_t rank;
        TokenId merged;
    };
    static std::uint64_t pairKey(TokenId a, TokenId b) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
               static_cast<std::uint32_t>(b);
    }
    void mergeSymbols(std::vector<TokenId>& symbols) const;
    void initialSymbols(std::string_view piece, std::vector<TokenId>& symbols) const;

    // The id of a vocabulary token (index_, then shadowed_).
    std::optional<TokenId> lookup(std::string_view token) const;

    std::vector<std::string> idToToken_;
    TokenIndex index_;  // token -> id for the strings in idToToken_
    // Tokens whose id holds another token's string (two tokens, one id; none in real files).
    std::unordered_map<std::string, TokenId> shadowed_;
    std::unordered_map<std::uint64_t, Merge> merges_;
    std::array<TokenId, 256> byteIds_{};  // byte -> id of its one-character token (byte level)
    bool byteLevel_ = false;
    bool ignoreMerges_ = false;
    std::optional<TokenId> unk_;

    static constexpr std::size_t kCacheCapacity = 1 << 16;
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<TokenId>> cache_;
};

}  // namespace flower::text
