// VocabularyMap: the tokenizer ids a corpus actually uses (prompts, titles, termination and
// special tokens) ↔ compact ids 0..n-1, so a tiny CPU model needs an embedding of a few thousand
// rows instead of Qwen's 151,936 — while the rest of the code keeps speaking tokenizer ids.
// Compact ids follow ascending tokenizer ids. Saved next to the model as JSON:
//   {"format": "flower-vocabulary-map", "version": 1, "tokenizer_id_end": N,
//    "tokenizer_ids": [ids in compact order]}
// Immutable after construction; thread-safe. Failure (flower::Error): mapping an id that is not
// in the map (the message names it), a malformed or inconsistent file (names the field).
#pragma once

#include "core/text/token_id.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace flower::text {

class VocabularyMap {
public:
    // Collects ids; duplicates and any order are fine.
    class Builder {
    public:
        explicit Builder(TokenId tokenizerIdEnd) : used_(static_cast<std::size_t>(tokenizerIdEnd), false) {}
        void add(TokenId id);
        void add(std::span<const TokenId> ids);
        VocabularyMap build() const;

    private:
        std::vector<bool> used_;
    };

    // Compact id of a tokenizer id; Error when the corpus never used it.
    TokenId toCompact(TokenId tokenizerId) const;
    std::optional<TokenId> tryCompact(TokenId tokenizerId) const;
    TokenId toTokenizer(TokenId compactId) const;
    std::vector<TokenId> toCompact(std::span<const TokenId> tokenizerIds) const;
    std::vector<TokenId> toTokenizer(std::span<const TokenId> compactIds) const;

    // Number of compact ids (the embedding rows a model needs).
    std::size_t size() const { return tokenizerIds_.size(); }
    TokenId tokenizerIdEnd() const { return static_cast<TokenId>(compact_.size()); }
    // Tokenizer id of every compact id, in compact order (for index tensors).
    std::span<const TokenId> tokenizerIds() const { return tokenizerIds_; }

    nlohmann::json toJson() const;
    static VocabularyMap fromJson(const nlohmann::json& j, const std::string& file);
    void save(const std::filesystem::path& path) const;
    static VocabularyMap load(const std::filesystem::path& path);

private:
    VocabularyMap(std::vector<TokenId> tokenizerIds, TokenId tokenizerIdEnd);
    std::vector<TokenId> tokenizerIds_;  // compact -> tokenizer
    std::vector<TokenId> compact_;       // tokenizer -> compact, -1 when unused
};

}  // namespace flower::text
