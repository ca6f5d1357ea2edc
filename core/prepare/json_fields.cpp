#include "core/prepare/json_fields.h"

#include "core/util/utf8.h"

#include <charconv>
#include <cstring>

namespace flower::prepare {

namespace {

class Scanner {
public:
    Scanner(std::string_view line) : begin_(line.data()), p_(line.data()), end_(line.data() + line.size()) {}

    [[noreturn]] void fail(const std::string& expected) const {
        std::string at = p_ < end_ ? std::string("'") + *p_ + "'" : std::string("the end of the line");
        throw JsonSyntaxError(static_cast<std::size_t>(p_ - begin_) + 1,
                              "malformed JSON at column " + std::to_string(p_ - begin_ + 1) +
                                  " (" + at + "): expected " + expected);
    }

    void ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
    }
    bool atEnd() const { return p_ >= end_; }
    char peek() const { return p_ < end_ ? *p_ : '\0'; }
    void expect(char c, const char* what) {
        if (p_ >= end_ || *p_ != c) fail(what);
        ++p_;
    }

    // At the opening quote: moves past the closing one; returns the raw content and whether
    // it holds a backslash.
    // `escaped` may be null when the caller skips the string.
    std::string_view string(bool* escaped) {
        ++p_;
        const char* start = p_;
        if (escaped) *escaped = false;
        while (true) {
            const void* q = std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_));
            if (q == nullptr) {
                p_ = end_;
                fail("the closing '\"' of a string");
            }
            const char* quote = static_cast<const char*>(q);
            std::size_t slashes = 0;
            for (const char* b = quote; b > start && b[-1] == '\\'; --b) ++slashes;
            if (escaped && !*escaped &&
                std::memchr(p_, '\\', static_cast<std::size_t>(quote - p_)) != nullptr) {
                *escaped = true;
            }
            p_ = quote + 1;
            if (slashes % 2 == 0) return std::string_view(start, static_cast<std::size_t>(quote - start));
        }
    }

    // JSON number grammar; returns its text.
    std::string_view number(bool& integer) {
        const char* start = p_;
        integer = true;
        if (peek() == '-') ++p_;
        if (peek() == '0') {
            ++p_;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') ++p_;
        } else {
            fail("a digit");
        }
        if (peek() == '.') {
            integer = false;
            ++p_;
            if (!(peek() >= '0' && peek() <= '9')) fail("a digit after '.'");
            while (peek() >= '0' && peek() <= '9') ++p_;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            ++p_;
            if (peek() == '+' || peek() == '-') ++p_;
            if (!(peek() >= '0' && peek() <= '9')) fail("a digit in the exponent");
            while (peek() >= '0' && peek() <= '9') ++p_;
        }
        return std::string_view(start, static_cast<std::size_t>(p_ - start));
    }

    void literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
            fail("a JSON value");
        }
        p_ += word.size();
    }

    // Skips any value, checking its structure.
    void skipValue() {
        char stack[256];
        std::size_t depth = 0;
        while (true) {
            ws();
            const char c = peek();
            if (c == '{' || c == '[') {
                if (depth == sizeof stack) fail("less deeply nested data");
                stack[depth++] = c == '{' ? '}' : ']';
                ++p_;
                ws();
                if (peek() == stack[depth - 1]) {
                    ++p_;
                    --depth;
                } else if (stack[depth - 1] == '}') {
                    if (peek() != '"') fail("a member name");
                    string(nullptr);
                    ws();
                    expect(':', "':' after a member name");
                    continue;
                } else {
                    continue;
                }
            } else if (c == '"') {
                string(nullptr);
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                bool i;
                number(i);
            } else if (c == 't') {
                literal("true");
            } else if (c == 'f') {
                literal("false");
            } else if (c == 'n') {
                literal("null");
            } else if (c == 'N') {
                literal("NaN");  // Python's json accepts these
            } else if (c == 'I') {
                literal("Infinity");
            } else {
                fail("a JSON value");
            }
            // After a value: close containers or move to the next element.
            while (true) {
                if (depth == 0) return;
                ws();
                const char close = stack[depth - 1];
                if (peek() == close) {
                    ++p_;
                    --depth;
                    continue;
                }
                expect(',', close == '}' ? "',' or '}' in an object" : "',' or ']' in an array");
                if (close == '}') {
                    ws();
                    if (peek() != '"') fail("a member name");
                    string(nullptr);
                    ws();
                    expect(':', "':' after a member name");
                }
                break;
            }
        }
    }

    const char* pos() const { return p_; }
    std::size_t column() const { return static_cast<std::size_t>(p_ - begin_) + 1; }

private:
    const char* begin_;
    const char* p_;
    const char* end_;
};

unsigned hex4(std::string_view s, std::size_t at, std::size_t column) {
    if (at + 4 > s.size()) throw JsonSyntaxError(column, "malformed JSON: expected 4 hex digits after \\u");
    unsigned v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        const char h = s[at + k];
        unsigned d;
        if (h >= '0' && h <= '9') d = static_cast<unsigned>(h - '0');
        else if (h >= 'a' && h <= 'f') d = static_cast<unsigned>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') d = static_cast<unsigned>(h - 'A' + 10);
        else throw JsonSyntaxError(column, "malformed JSON: expected 4 hex digits after \\u");
        v = v * 16 + d;
    }
    return v;
}

// Decodes a string's escapes (raw content between the quotes).
std::string decode(std::string_view raw, std::size_t column) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= raw.size()) throw JsonSyntaxError(column, "malformed JSON: a string ends in a backslash");
        switch (raw[i]) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp = hex4(raw, i + 1, column);
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < raw.size() &&
                    raw[i + 1] == '\\' && raw[i + 2] == 'u') {
                    const unsigned low = hex4(raw, i + 3, column);
                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    throw JsonSyntaxError(column, "a lone UTF-16 surrogate (\\u" + std::string(raw.substr(i - 3, 4)) +
                                                      ") in a string: not representable as UTF-8");
                }
                util::appendUtf8(static_cast<char32_t>(cp), out);
                break;
            }
            default:
                throw JsonSyntaxError(column, std::string("malformed JSON: invalid escape \\") + raw[i]);
        }
    }
    return out;
}

}  // namespace

JsonFields::JsonFields(std::vector<std::string> keys) : keys_(std::move(keys)), fields_(keys_.size()) {}

void JsonFields::scan(std::string_view line) {
    for (JsonField& f : fields_) {
        f.kind = JsonField::Kind::Missing;
        f.escaped = false;
    }
    Scanner s(line);
    s.ws();
    s.expect('{', "'{' opening an object");
    s.ws();
    if (s.peek() == '}') {
        s.expect('}', "'}'");
    } else {
        while (true) {
            s.ws();
            if (s.peek() != '"') s.fail("a member name in double quotes");
            const std::size_t keyColumn = s.column();
            bool keyEscaped;
            std::string_view key = s.string(&keyEscaped);
            std::string decodedKey;
            if (keyEscaped) {
                decodedKey = decode(key, keyColumn);
                key = decodedKey;
            }
            std::size_t wanted = keys_.size();
            for (std::size_t k = 0; k < keys_.size(); ++k) {
                if (keys_[k] == key) {
                    wanted = k;
                    break;
                }
            }
            s.ws();
            s.expect(':', "':' after a member name");
            s.ws();
            if (wanted == keys_.size()) {
                s.skipValue();
            } else {
                JsonField& f = fields_[wanted];
                const char c = s.peek();
                const std::size_t column = s.column();
                if (c == '"') {
                    bool escaped;
                    f.raw = s.string(&escaped);
                    f.kind = JsonField::Kind::String;
                    f.escaped = escaped;
                    if (escaped) f.decoded = decode(f.raw, column);
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                    bool integer;
                    f.raw = s.number(integer);
                    const char* b = f.raw.data();
                    const char* e = b + f.raw.size();
                    if (integer) {
                        const auto r = std::from_chars(b, e, f.integer);
                        if (r.ec != std::errc()) {
                            throw JsonSyntaxError(column, "an integer out of the 64-bit range");
                        }
                        f.number = static_cast<double>(f.integer);
                        f.kind = JsonField::Kind::Integer;
                    } else {
                        std::from_chars(b, e, f.number);  // out of range → inf, as Python
                        f.kind = JsonField::Kind::Float;
                    }
                } else {
                    const char* start = s.pos();
                    s.skipValue();
                    f.raw = std::string_view(start, static_cast<std::size_t>(s.pos() - start));
                    f.kind = JsonField::Kind::Other;
                }
            }
            s.ws();
            if (s.peek() == ',') {
                s.expect(',', "','");
                continue;
            }
            s.expect('}', "',' or '}' after a member");
            break;
        }
    }
    s.ws();
    if (!s.atEnd()) s.fail("the end of the line after the object");
}

}  // namespace flower::prepare
