#include "core/text/tokenizer_json_scan.h"

#include "core/util/utf8.h"

#include <cstring>
#include <unordered_set>

namespace flower::text {

namespace {

// A cursor over the text. Every reader returns false (or nullopt) on anything unexpected and
// leaves the decision to fall back to the caller; none throws.
class Scanner {
public:
    explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    void skipSpace() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool atEnd() const { return p_ == end_; }
    bool consume(char c) {
        skipSpace();
        if (p_ < end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }
    bool peek(char c) {
        skipSpace();
        return p_ < end_ && *p_ == c;
    }

    // A JSON string at the cursor, decoded as nlohmann decodes it; false where nlohmann would
    // reject it (control characters, bad escapes, lone surrogates, ill-formed UTF-8).
    bool string(std::string& out) {
        out.clear();
        if (!consume('"')) return false;
        const char* runStart = p_;
        for (;;) {
            // The plain run up to the next quote, backslash or control character.
            while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
            if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
            const std::string_view run(runStart, static_cast<std::size_t>(p_ - runStart));
            if (util::firstInvalidUtf8(run)) return false;
            out.append(run);
            if (*p_ == '"') {
                ++p_;
                return true;
            }
            ++p_;  // the backslash
            if (p_ == end_) return false;
            const char e = *p_++;
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    char32_t cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        char32_t low = 0;
                        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
                        p_ += 2;
                        if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    util::appendUtf8(cp, out);
                    break;
                }
                default: return false;
            }
            runStart = p_;
        }
    }

    // A plain non-negative integer (JSON syntax: no leading zeros, no fraction or exponent).
    bool integer(std::int64_t& out) {
        skipSpace();
        const char* start = p_;
        std::int64_t value = 0;
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
            if (p_ - start >= 18) return false;  // leave huge values to nlohmann
            value = value * 10 + (*p_ - '0');
            ++p_;
        }
        if (p_ == start || (*start == '0' && p_ - start > 1)) return false;
        if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
        out = value;
        return true;
    }

    // Any JSON value at the cursor, parsed by nlohmann (small values: everything but the two
    // large members).
    bool value(nlohmann::json& out) {
        skipSpace();
        const char* start = p_;
        if (!skipValue()) return false;
        try {
            out = nlohmann::json::parse(start, p_);
        } catch (const nlohmann::json::exception&) {
            return false;
        }
        return true;
    }

private:
    bool hex4(char32_t& out) {
        if (end_ - p_ < 4) return false;
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = *p_++;
            out <<= 4;
            if (c >= '0' && c <= '9') out |= static_cast<char32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') out |= static_cast<char32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') out |= static_cast<char32_t>(c - 'A' + 10);
            else return false;
        }
        return true;
    }

    // Moves past one value without checking it (nlohmann checks what value() hands it).
    bool skipValue() {
        skipSpace();
        if (p_ == end_) return false;
        if (*p_ == '"') return skipString();
        if (*p_ == '{' || *p_ == '[') {
            int depth = 0;
            while (p_ < end_) {
                const char c = *p_;
                if (c == '"') {
                    if (!skipString()) return false;
                    continue;
                }
                ++p_;
                if (c == '{' || c == '[') ++depth;
                if (c == '}' || c == ']') {
                    if (--depth == 0) return true;
                }
            }
            return false;
        }
        // A number or a literal: up to the next delimiter.
        const char* start = p_;
        while (p_ < end_ && std::strchr(",}] \n\r\t", *p_) == nullptr) ++p_;
        return p_ > start;
    }

    bool skipString() {
        ++p_;  // the opening quote
        while (p_ < end_) {
            if (*p_ == '\\') {
                p_ += 2;
                continue;
            }
            if (*p_++ == '"') return true;
        }
        return false;
    }

    const char* p_;
    const char* end_;
};

// Reads `{ key: value, ... }`, calling member(key) with the cursor at each value.
template <typename Member>
bool object(Scanner& s, Member&& member) {
    if (!s.consume('{')) return false;
    if (s.consume('}')) return true;
    std::string key;
    std::unordered_set<std::string> seen;
    do {
        if (!s.string(key) || !s.consume(':')) return false;
        if (!seen.insert(key).second) return false;  // nlohmann keeps the last; fall back
        if (!member(key)) return false;
    } while (s.consume(','));
    return s.consume('}');
}

bool vocabulary(Scanner& s, TokenizerJsonParts& parts) {
    if (!s.consume('{')) return false;
    if (s.consume('}')) return true;
    parts.vocab.reserve(1 << 18);
    std::vector<bool> idSeen;
    std::string token;
    do {
        std::int64_t id = 0;
        if (!s.string(token) || !s.consume(':') || !s.integer(id)) return false;
        // Ids past 2^24 (no real vocabulary) go to the slow path, which checks their range.
        if (id >= (1 << 24)) return false;
        if (static_cast<std::size_t>(id) >= idSeen.size()) idSeen.resize(2 * id + 1024);
        if (idSeen[id]) return false;  // two tokens, one id: nlohmann's key order decides
        idSeen[id] = true;
        parts.vocab.emplace_back(std::move(token), id);
        token = std::string();
    } while (s.consume(','));
    // A key given twice is left to BpeModel::fromParts to find (it indexes the tokens anyway).
    return s.consume('}');
}

bool merges(Scanner& s, TokenizerJsonParts& parts) {
    if (!s.consume('[')) return false;
    if (s.consume(']')) return true;
    parts.merges.reserve(1 << 18);
    std::string text, right;
    do {
        if (s.peek('[')) {
            s.consume('[');
            if (!s.string(text) || !s.consume(',') || !s.string(right) || !s.consume(']')) {
                return false;
            }
            parts.merges.emplace_back(text, right);
            continue;
        }
        if (!s.string(text)) return false;
        const auto space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
            return false;
        }
        parts.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    } while (s.consume(','));
    return s.consume(']');
}

}  // namespace

std::optional<TokenizerJsonParts> scanTokenizerJson(std::string_view text) {
    Scanner s(text);
    TokenizerJsonParts parts;
    parts.document = nlohmann::json::object();
    bool sawVocab = false, sawMerges = false;
    const bool ok = object(s, [&](const std::string& key) {
        if (key != "model") return s.value(parts.document[key]);
        nlohmann::json& model = parts.document[key] = nlohmann::json::object();
        if (!s.peek('{')) return false;
        return object(s, [&](const std::string& field) {
            if (field == "vocab") {
                sawVocab = vocabulary(s, parts);
                return sawVocab;
            }
            if (field == "merges") {
                sawMerges = merges(s, parts);
                return sawMerges;
            }
            return s.value(model[field]);
        });
    });
    s.skipSpace();
    if (!ok || !s.atEnd() || !sawVocab || !sawMerges) return std::nullopt;
    return parts;
}

}  // namespace flower::text
