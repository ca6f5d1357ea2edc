#include "core/text/added_vocabulary.h"

#include "core/text/byte_level.h"
#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

namespace flower::text {

namespace ja = json_access;

namespace {

// Rust's char::is_whitespace (the Unicode White_Space property).
bool isWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

// A "word" character for single_word tokens: alphanumeric or underscore.
bool isWordChar(char32_t c) {
    if (c == U'_') return true;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

// The last code point of s[0, end).
char32_t lastCodePoint(std::string_view s, std::size_t end, std::size_t& begin) {
    begin = end;
    do {
        --begin;
    } while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80);
    std::size_t i = begin;
    return nextCodePoint(s, i);
}

}  // namespace

AddedVocabulary AddedVocabulary::fromJson(const nlohmann::json& list, const std::string& file) {
    AddedVocabulary v;
    v.byFirstByte_.resize(256);
    if (list.is_null()) return v;
    if (!list.is_array()) throw Error({file, 0, "added_tokens"}, "expected an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = "added_tokens[" + std::to_string(i) + "]";
        const auto& e = list[i];
        AddedToken t;
        t.id = static_cast<TokenId>(ja::integer(ja::member(e, "id", file, path), file, path + ".id"));
        t.content = ja::string(ja::member(e, "content", file, path), file, path + ".content");
        if (t.content.empty()) throw Error({file, 0, path + ".content"}, "an added token cannot be empty");
        t.singleWord = ja::optionalBool(e, "single_word", false, file, path);
        t.lstrip = ja::optionalBool(e, "lstrip", false, file, path);
        t.rstrip = ja::optionalBool(e, "rstrip", false, file, path);
        t.normalized = ja::optionalBool(e, "normalized", false, file, path);
        t.special = ja::optionalBool(e, "special", false, file, path);
        v.hasNormalized_ = v.hasNormalized_ || t.normalized;
        v.byFirstByte_[static_cast<unsigned char>(t.content[0])].push_back(v.tokens_.size());
        v.tokens_.push_back(std::move(t));
    }
    return v;
}

const AddedToken* AddedVocabulary::find(TokenId id) const {
    for (const auto& t : tokens_) {
        if (t.id == id) return &t;
    }
    return nullptr;
}

std::optional<TokenId> AddedVocabulary::idOf(std::string_view content) const {
    for (const auto& t : tokens_) {
        if (t.content == content) return t.id;
    }
    return std::nullopt;
}

void AddedVocabulary::split(std::string_view text, bool normalizedTokens,
                            std::vector<Segment>& out) const {
    std::size_t segmentStart = 0;  // start of the pending ordinary text
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto& candidates = byFirstByte_[static_cast<unsigned char>(text[pos])];
        const AddedToken* best = nullptr;
        for (const std::size_t k : candidates) {
            const AddedToken& t = tokens_[k];
            if (t.normalized == normalizedTokens && text.substr(pos).starts_with(t.content) &&
                (best == nullptr || t.content.size() > best->content.size())) {
                best = &t;
            }
        }
        if (best == nullptr) {
            ++pos;
            continue;
        }
        std::size_t start = pos, stop = pos + best->content.size();
        if (best->singleWord) {
            std::size_t before = 0;
            const bool startOk = start == 0 || !isWordChar(lastCodePoint(text, start, before));
            std::size_t after = stop;
            const bool stopOk = stop == text.size() || !isWordChar(nextCodePoint(text, after));
            if (!startOk || !stopOk) {
                pos = stop;  // matches do not overlap: continue after this one
                continue;
            }
        }
        if (best->lstrip) {
            while (start > segmentStart) {
                std::size_t before = 0;
                if (!isWhitespace(lastCodePoint(text, start, before))) break;
                start = before;
            }
        }
        if (best->rstrip) {
            while (stop < text.size()) {
                std::size_t next = stop;
                if (!isWhitespace(nextCodePoint(text, next))) break;
                stop = next;
            }
        }
        if (start > segmentStart) out.push_back({text.substr(segmentStart, start - segmentStart), {}});
        out.push_back({text.substr(start, stop - start), best->id});
        segmentStart = pos = stop;
    }
    if (segmentStart < text.size()) out.push_back({text.substr(segmentStart), {}});
}

}  // namespace flower::text
