#include "core/text/bpe_model.h"

#include "core/text/byte_level.h"
#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace flower::text {

namespace ja = json_access;

BpeModel::BpeModel(BpeModel&& other) noexcept
    : idToToken_(std::move(other.idToToken_)),
      index_(std::move(other.index_)),
      shadowed_(std::move(other.shadowed_)),
      merges_(std::move(other.merges_)),
      byteIds_(other.byteIds_),
      byteLevel_(other.byteLevel_),
      ignoreMerges_(other.ignoreMerges_),
      unk_(other.unk_),
      cache_(std::move(other.cache_)) {}

BpeModel BpeModel::fromJson(const nlohmann::json& spec, bool byteLevel, const std::string& file) {
    checkSupported(spec, file);
    const auto& vocab = ja::member(spec, "vocab", file, "model");
    if (!vocab.is_object()) {
        throw Error({file, 0, "model.vocab"}, "expected an object {token: id}");
    }
    VocabEntries entries;
    entries.reserve(vocab.size());
    for (const auto& [token, idValue] : vocab.items()) {
        entries.emplace_back(token, ja::integer(idValue, file, "model.vocab[\"" + token + "\"]"));
    }

    const auto& merges = ja::member(spec, "merges", file, "model");
    if (!merges.is_array()) throw Error({file, 0, "model.merges"}, "expected an array");
    MergeEntries pairs;
    pairs.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& entry = merges[rank];
        if (entry.is_string()) {
            // "a b": tokens of byte-level BPE never hold a real space, so one space separates.
            const std::string s = entry.get<std::string>();
            const auto space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
                throw Error({file, 0, "model.merges[" + std::to_string(rank) + "]"},
                            "expected \"left right\" (two tokens, one space), found \"" + s + "\"");
            }
            pairs.emplace_back(s.substr(0, space), s.substr(space + 1));
        } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
            pairs.emplace_back(entry[0].get<std::string>(), entry[1].get<std::string>());
        } else {
            throw Error({file, 0, "model.merges[" + std::to_string(rank) + "]"},
                        "expected \"left right\" or [\"left\", \"right\"]");
        }
    }
    // nlohmann's object keys are distinct, so fromParts has a model to return.
    return std::move(*fromParts(spec, std::move(entries), pairs, byteLevel, file));
}

void BpeModel::checkSupported(const nlohmann::json& spec, const std::string& file) {
    const std::string type = spec.contains("type")
                                 ? ja::string(spec["type"], file, "model.type")
                                 : std::string("BPE");  // tokenizers omits it in old files
    if (type != "BPE") {
        throw Error({file, 0, "model.type"},
                    "model type \"" + type + "\" is not supported (only byte-level \"BPE\")");
    }
    if (spec.contains("dropout") && !spec["dropout"].is_null() &&
        !(spec["dropout"].is_number() && spec["dropout"].get<double>() == 0.0)) {
        throw Error({file, 0, "model.dropout"}, "BPE dropout is not supported (expected null)");
    }
    if (ja::optionalBool(spec, "byte_fallback", false, file, "model")) {
        throw Error({file, 0, "model.byte_fallback"}, "byte_fallback is not supported");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        if (spec.contains(key) && !spec[key].is_null() &&
            !ja::string(spec[key], file, std::string("model.") + key).empty()) {
            throw Error({file, 0, std::string("model.") + key}, "a non-empty value is not supported");
        }
    }
}

std::optional<BpeModel> BpeModel::fromParts(const nlohmann::json& spec, VocabEntries vocab,
                                            const MergeEntries& merges, bool byteLevel,
                                            const std::string& file) {
    checkSupported(spec, file);
    BpeModel m;
    m.byteLevel_ = byteLevel;
    m.ignoreMerges_ = ja::optionalBool(spec, "ignore_merges", false, file, "model");

    std::int64_t end = 0;
    for (const auto& [token, id] : vocab) {
        if (id < 0 || id > std::numeric_limits<TokenId>::max() / 2) {
            throw Error({file, 0, "model.vocab[\"" + token + "\"]"}, "id out of range");
        }
        end = std::max(end, id + 1);
    }
    m.idToToken_.resize(static_cast<std::size_t>(end));
    std::vector<bool> present(static_cast<std::size_t>(end), false);
    for (auto& [token, id] : vocab) {
        if (present[id]) {
            // Two tokens with one id: the later is the id's string, the earlier keeps its id.
            m.shadowed_.emplace(std::move(m.idToToken_[id]), static_cast<TokenId>(id));
        }
        m.idToToken_[id] = std::move(token);
        present[id] = true;
    }
    if (!m.index_.build(m.idToToken_, present)) return std::nullopt;

    if (byteLevel) {
        const auto& alphabet = byteLevelAlphabet();
        for (int b = 0; b < 256; ++b) {
            const auto id = m.lookup(alphabet[b]);
            if (!id) {
                throw Error({file, 0, "model.vocab"},
                            "byte-level vocabulary lacks the token \"" + alphabet[b] +
                                "\" for byte " + std::to_string(b));
            }
            m.byteIds_[b] = *id;
        }
    }

    if (spec.contains("unk_token") && !spec["unk_token"].is_null()) {
        const std::string unk = ja::string(spec["unk_token"], file, "model.unk_token");
        m.unk_ = m.lookup(unk);
        if (!m.unk_) {
            throw Error({file, 0, "model.unk_token"}, "\"" + unk + "\" is not in the vocabulary");
        }
    }

    m.merges_.reserve(merges.size() * 2);
    const auto field = [](std::size_t rank) { return "model.merges[" + std::to_string(rank) + "]"; };
    const auto lookup = [&](const std::string& token, std::size_t rank) {
        const auto id = m.lookup(token);
        if (!id) {
            throw Error({file, 0, field(rank)}, "merge names the token \"" + token +
                                                    "\", which is not in the vocabulary");
        }
        return *id;
    };
    const auto isJoin = [](const std::string& s, const std::string& left, const std::string& right) {
        return s.size() == left.size() + right.size() && s.compare(0, left.size(), left) == 0 &&
               s.compare(left.size(), right.size(), right) == 0;
    };
    std::string joined;
    std::int64_t guess = -1;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [left, right] = merges[rank];
        const TokenId a = lookup(left, rank), b = lookup(right, rank);
        // Hugging Face files give a merge's result the id after the previous merge's (Qwen,
        // GPT-2: 256 + rank): that id is checked before the joined string is looked up. Exact:
        // the vocabulary's strings are distinct, so the id holding the string is its id.
        ++guess;
        TokenId merged = 0;
        if (guess < end && present[guess] && isJoin(m.idToToken_[guess], left, right)) {
            merged = static_cast<TokenId>(guess);
        } else {
            joined.assign(left).append(right);
            const auto found = m.lookup(joined);
            if (!found) {
                throw Error({file, 0, field(rank)}, "the merged token \"" + joined +
                                                        "\" is not in the vocabulary");
            }
            merged = *found;
        }
        guess = merged;
        // A pair listed twice keeps its first (lowest) rank.
        m.merges_.emplace(pairKey(a, b), Merge{static_cast<std::int32_t>(rank), merged});
    }
    return std::optional<BpeModel>(std::move(m));
}

std::optional<TokenId> BpeModel::lookup(std::string_view token) const {
    if (const auto id = index_.find(token, idToToken_)) return id;
    if (shadowed_.empty()) return std::nullopt;
    const auto it = shadowed_.find(std::string(token));
    if (it == shadowed_.end()) return std::nullopt;
    return it->second;
}

std::optional<TokenId> BpeModel::tokenToId(std::string_view token) const { return lookup(token); }

const std::string& BpeModel::idToToken(TokenId id) const {
    static const std::string kNone;
    if (id < 0 || static_cast<std::size_t>(id) >= idToToken_.size()) return kNone;
    return idToToken_[id];
}

void BpeModel::initialSymbols(std::string_view piece, std::vector<TokenId>& symbols) const {
    symbols.clear();
    if (byteLevel_) {
        for (const char c : piece) symbols.push_back(byteIds_[static_cast<std::uint8_t>(c)]);
        return;
    }
    // Character-level BPE: one symbol per UTF-8 character; unknown characters become the
    // unknown token, or are dropped when the model has none (what tokenizers does).
    std::size_t i = 0;
    while (i < piece.size()) {
        const std::size_t begin = i;
        nextCodePoint(piece, i);
        if (const auto id = lookup(piece.substr(begin, i - begin))) {
            symbols.push_back(*id);
        } else if (unk_) {
            symbols.push_back(*unk_);
        }
    }
}

// Repeatedly merges the adjacent pair of lowest rank (leftmost on ties) — the order of the
// priority queue in tokenizers' BPE. Pieces are short (a word), so a linear scan per merge is
// faster than a heap.
void BpeModel::mergeSymbols(std::vector<TokenId>& symbols) const {
    while (symbols.size() > 1) {
        std::int32_t bestRank = std::numeric_limits<std::int32_t>::max();
        std::size_t bestAt = 0;
        TokenId bestMerged = 0;
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            const auto it = merges_.find(pairKey(symbols[i], symbols[i + 1]));
            if (it != merges_.end() && it->second.rank < bestRank) {
                bestRank = it->second.rank;
                bestAt = i;
                bestMerged = it->second.merged;
            }
        }
        if (bestRank == std::numeric_limits<std::int32_t>::max()) return;
        symbols[bestAt] = bestMerged;
        symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(bestAt) + 1);
    }
}

void BpeModel::encodePiece(std::string_view piece, std::vector<TokenId>& out) const {
    const std::string key(piece);
    {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        const auto it = cache_.find(key);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<TokenId> symbols;
    bool whole = false;
    if (ignoreMerges_) {
        if (const auto id = lookup(byteLevel_ ? toByteLevel(piece) : key)) {
            symbols.push_back(*id);
            whole = true;
        }
    }
    if (!whole) {
        initialSymbols(piece, symbols);
        mergeSymbols(symbols);
    }
    out.insert(out.end(), symbols.begin(), symbols.end());
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();  // bounded: long runs of new text
    cache_.emplace(key, std::move(symbols));
}

}  // namespace flower::text
