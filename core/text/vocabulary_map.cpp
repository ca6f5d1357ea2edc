#include "core/text/vocabulary_map.h"

#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace flower::text {

namespace {
constexpr const char* kFormat = "flower-vocabulary-map";
}

void VocabularyMap::Builder::add(TokenId id) {
    if (id < 0 || static_cast<std::size_t>(id) >= used_.size()) {
        throw Error("token id " + std::to_string(id) + " is outside the tokenizer's ids 0.." +
                    std::to_string(used_.size() - 1));
    }
    used_[static_cast<std::size_t>(id)] = true;
}

void VocabularyMap::Builder::add(std::span<const TokenId> ids) {
    for (const TokenId id : ids) add(id);
}

VocabularyMap VocabularyMap::Builder::build() const {
    std::vector<TokenId> ids;
    for (std::size_t i = 0; i < used_.size(); ++i) {
        if (used_[i]) ids.push_back(static_cast<TokenId>(i));
    }
    return VocabularyMap(std::move(ids), static_cast<TokenId>(used_.size()));
}

VocabularyMap::VocabularyMap(std::vector<TokenId> tokenizerIds, TokenId tokenizerIdEnd)
    : tokenizerIds_(std::move(tokenizerIds)), compact_(static_cast<std::size_t>(tokenizerIdEnd), -1) {
    for (std::size_t c = 0; c < tokenizerIds_.size(); ++c) {
        compact_[static_cast<std::size_t>(tokenizerIds_[c])] = static_cast<TokenId>(c);
    }
}

std::optional<TokenId> VocabularyMap::tryCompact(TokenId tokenizerId) const {
    if (tokenizerId < 0 || static_cast<std::size_t>(tokenizerId) >= compact_.size() ||
        compact_[static_cast<std::size_t>(tokenizerId)] < 0) {
        return std::nullopt;
    }
    return compact_[static_cast<std::size_t>(tokenizerId)];
}

TokenId VocabularyMap::toCompact(TokenId tokenizerId) const {
    const auto c = tryCompact(tokenizerId);
    if (!c) {
        throw Error("token id " + std::to_string(tokenizerId) +
                    " is not in the vocabulary map (the corpus it was built from never used it)");
    }
    return *c;
}

TokenId VocabularyMap::toTokenizer(TokenId compactId) const {
    if (compactId < 0 || static_cast<std::size_t>(compactId) >= tokenizerIds_.size()) {
        throw Error("compact id " + std::to_string(compactId) + " is outside 0.." +
                    std::to_string(static_cast<std::int64_t>(tokenizerIds_.size()) - 1));
    }
    return tokenizerIds_[static_cast<std::size_t>(compactId)];
}

std::vector<TokenId> VocabularyMap::toCompact(std::span<const TokenId> tokenizerIds) const {
    std::vector<TokenId> out;
    out.reserve(tokenizerIds.size());
    for (const TokenId id : tokenizerIds) out.push_back(toCompact(id));
    return out;
}

std::vector<TokenId> VocabularyMap::toTokenizer(std::span<const TokenId> compactIds) const {
    std::vector<TokenId> out;
    out.reserve(compactIds.size());
    for (const TokenId id : compactIds) out.push_back(toTokenizer(id));
    return out;
}

nlohmann::json VocabularyMap::toJson() const {
    return {{"format", kFormat},
            {"version", 1},
            {"tokenizer_id_end", compact_.size()},
            {"tokenizer_ids", tokenizerIds_}};
}

VocabularyMap VocabularyMap::fromJson(const nlohmann::json& j, const std::string& file) {
    namespace ja = json_access;
    if (ja::string(ja::member(j, "format", file, ""), file, "format") != kFormat) {
        throw Error({file, 0, "format"}, std::string("expected \"") + kFormat + "\"");
    }
    if (ja::integer(ja::member(j, "version", file, ""), file, "version") != 1) {
        throw Error({file, 0, "version"}, "expected 1");
    }
    const std::int64_t end = ja::integer(ja::member(j, "tokenizer_id_end", file, ""), file, "tokenizer_id_end");
    if (end < 0 || end > (std::int64_t{1} << 30)) throw Error({file, 0, "tokenizer_id_end"}, "out of range");
    const auto& list = ja::member(j, "tokenizer_ids", file, "");
    if (!list.is_array()) throw Error({file, 0, "tokenizer_ids"}, "expected an array");
    std::vector<TokenId> ids;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "tokenizer_ids[" + std::to_string(i) + "]";
        const std::int64_t id = ja::integer(list[i], file, field);
        if (id < 0 || id >= end || (!ids.empty() && id <= ids.back())) {
            throw Error({file, 0, field}, "expected ascending ids in 0.." + std::to_string(end - 1));
        }
        ids.push_back(static_cast<TokenId>(id));
    }
    return VocabularyMap(std::move(ids), static_cast<TokenId>(end));
}

void VocabularyMap::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error({path.string(), 0, ""}, "cannot write the vocabulary map");
    out << toJson().dump() << '\n';
    if (!out) throw Error({path.string(), 0, ""}, "writing the vocabulary map failed");
}

VocabularyMap VocabularyMap::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error({path.string(), 0, ""}, "cannot open the vocabulary map");
    std::ostringstream text;
    text << in.rdbuf();
    return fromJson(json_access::parse(text.str(), path.string()), path.string());
}

}  // namespace flower::text
