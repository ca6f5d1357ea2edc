#include "core/data/list_literal.h"

#include "core/util/utf8.h"

#include <charconv>
#include <cstdio>

namespace flower::data {

namespace {

class ListParser {
public:
    ListParser(std::string_view text, const ErrorLocation& where) : s_(text), where_(where) {}

    std::vector<ListValue> parse() {
        std::vector<ListValue> out;
        skipSpace();
        expect('[', "'[' opening the list");
        skipSpace();
        if (peek() == ']') {
            ++i_;
        } else {
            while (true) {
                out.push_back(value());
                skipSpace();
                if (peek() == ',') {
                    ++i_;
                    skipSpace();
                    if (peek() == ']') {  // trailing comma
                        ++i_;
                        break;
                    }
                    continue;
                }
                expect(']', "',' or ']' after a list element");
                break;
            }
        }
        skipSpace();
        if (i_ != s_.size()) {
            fail("nothing after the closing ']'");
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& expected) const {
        const std::string at = i_ < s_.size() ? "character " + std::to_string(i_ + 1) + " ('" +
                                                    std::string(1, s_[i_]) + "')"
                                              : "the end of the text";
        throw Error(where_, "not a Python list literal: at " + at + ", expected " + expected);
    }

    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    bool atEnd() const { return i_ >= s_.size(); }

    void expect(char c, const char* what) {
        if (atEnd() || s_[i_] != c) {
            fail(what);
        }
        ++i_;
    }

    void skipSpace() {
        while (!atEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' ||
                            s_[i_] == '\r' || s_[i_] == '\f')) {
            ++i_;
        }
    }

    ListValue value() {
        const char c = peek();
        if (c == '\'' || c == '"' || c == 'u' || c == 'U' || c == 'r' || c == 'R') {
            std::string text = stringLiteral();
            // Python concatenates adjacent string literals: 'a' "b" == 'ab'.
            while (true) {
                const std::size_t save = i_;
                skipSpace();
                const char n = peek();
                if (n == '\'' || n == '"' || n == 'u' || n == 'U' || n == 'r' || n == 'R') {
                    text += stringLiteral();
                } else {
                    i_ = save;
                    break;
                }
            }
            return text;
        }
        if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
            return number();
        }
        if (c == '[' || c == '(') {
            fail("a string or a number (nested lists and tuples are not supported)");
        }
        fail("a string or a number");
    }

    std::string stringLiteral() {
        bool raw = false;
        if (peek() == 'r' || peek() == 'R') {
            raw = true;
            ++i_;
        } else if (peek() == 'u' || peek() == 'U') {
            ++i_;
        }
        const char quote = peek();
        if (quote != '\'' && quote != '"') {
            fail("a quote opening a string");
        }
        if (i_ + 2 < s_.size() && s_[i_ + 1] == quote && s_[i_ + 2] == quote) {
            fail("a single-quoted string (triple-quoted strings are not supported)");
        }
        ++i_;
        std::string out;
        while (true) {
            if (atEnd()) {
                fail(std::string("the closing ") + quote + " of the string");
            }
            const char c = s_[i_];
            if (c == quote) {
                ++i_;
                return out;
            }
            if (c == '\n' || c == '\r') {
                fail("the closing quote before the line break");
            }
            if (c != '\\') {
                out += c;
                ++i_;
                continue;
            }
            if (i_ + 1 >= s_.size()) {
                ++i_;
                fail("a character after the backslash");
            }
            if (raw) {  // a raw string keeps the backslash; it only stops the quote ending it
                out += c;
                out += s_[i_ + 1];
                i_ += 2;
                continue;
            }
            escape(out);
        }
    }

    // Reads one escape sequence at s_[i_] == '\\' and appends what it stands for.
    void escape(std::string& out) {
        const char e = s_[i_ + 1];
        i_ += 2;
        switch (e) {
            case '\n': return;  // line continuation
            case '\\': out += '\\'; return;
            case '\'': out += '\''; return;
            case '"': out += '"'; return;
            case 'a': out += '\a'; return;
            case 'b': out += '\b'; return;
            case 'f': out += '\f'; return;
            case 'n': out += '\n'; return;
            case 'r': out += '\r'; return;
            case 't': out += '\t'; return;
            case 'v': out += '\v'; return;
            case 'x': appendCodePoint(out, hexDigits(2)); return;
            case 'u': appendCodePoint(out, hexDigits(4)); return;
            case 'U': appendCodePoint(out, hexDigits(8)); return;
            case 'N': --i_; fail("an escape other than \\N{...} (named characters are not supported)");
            default: break;
        }
        if (e >= '0' && e <= '7') {  // \o, \oo, \ooo
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int k = 0; k < 2 && !atEnd() && s_[i_] >= '0' && s_[i_] <= '7'; ++k, ++i_) {
                v = v * 8 + static_cast<std::uint32_t>(s_[i_] - '0');
            }
            appendCodePoint(out, v);
            return;
        }
        // Python keeps unknown escapes such as "\d" as written.
        out += '\\';
        out += e;
    }

    std::uint32_t hexDigits(int count) {
        std::uint32_t v = 0;
        for (int k = 0; k < count; ++k, ++i_) {
            const char h = peek();
            int d = -1;
            if (h >= '0' && h <= '9') d = h - '0';
            else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
            if (d < 0) {
                fail(std::to_string(count) + " hexadecimal digits in the escape");
            }
            v = v * 16 + static_cast<std::uint32_t>(d);
        }
        return v;
    }

    void appendCodePoint(std::string& out, std::uint32_t cp) {
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            --i_;
            fail("an escape naming a Unicode scalar value (no surrogates, at most U+10FFFF)");
        }
        util::appendUtf8(static_cast<char32_t>(cp), out);
    }

    // Python number literal (decimal int, or float with '.'/exponent), with unary sign(s).
    ListValue number() {
        bool negative = false;
        while (peek() == '-' || peek() == '+') {
            negative ^= peek() == '-';
            ++i_;
            skipSpace();
        }
        const std::size_t start = i_;
        std::size_t intDigits = 0;
        while (!atEnd() && s_[i_] >= '0' && s_[i_] <= '9') {
            ++i_;
            ++intDigits;
        }
        bool isFloat = false;
        std::size_t fracDigits = 0;
        if (peek() == '.') {
            isFloat = true;
            ++i_;
            while (!atEnd() && s_[i_] >= '0' && s_[i_] <= '9') {
                ++i_;
                ++fracDigits;
            }
        }
        if (intDigits + fracDigits == 0) {
            i_ = start;
            fail("a number");
        }
        if (peek() == 'e' || peek() == 'E') {
            isFloat = true;
            ++i_;
            if (peek() == '+' || peek() == '-') {
                ++i_;
            }
            if (atEnd() || s_[i_] < '0' || s_[i_] > '9') {
                fail("digits of the exponent");
            }
            while (!atEnd() && s_[i_] >= '0' && s_[i_] <= '9') {
                ++i_;
            }
        }
        const char next = peek();
        if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '_') {
            fail("a decimal number (hex, octal, binary, underscores and complex numbers are "
                 "not supported)");
        }
        const std::string_view digits = s_.substr(start, i_ - start);
        if (isFloat) {
            double v = 0;
            const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
            if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
                i_ = start;
                fail("a float in range");
            }
            return negative ? -v : v;
        }
        if (digits.size() > 1 && digits[0] == '0' &&
            digits.find_first_not_of('0') != std::string_view::npos) {  // "00" is 0 in Python
            i_ = start;
            fail("an integer without leading zeros");
        }
        std::uint64_t magnitude = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
        const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
        if (r.ec != std::errc() || magnitude > limit) {
            i_ = start;
            fail("an integer that fits in 64 bits");
        }
        return negative ? static_cast<std::int64_t>(0 - magnitude)
                        : static_cast<std::int64_t>(magnitude);
    }

    std::string_view s_;
    const ErrorLocation& where_;
    std::size_t i_ = 0;
};

const char* kindName(const ListValue& v) {
    return std::holds_alternative<std::string>(v) ? "a string"
           : std::holds_alternative<std::int64_t>(v) ? "an integer"
                                                      : "a float";
}

[[noreturn]] void wrongKind(const ErrorLocation& where, std::size_t index, const ListValue& v,
                            const char* expected) {
    throw Error(where, "element " + std::to_string(index + 1) + " of the list is " +
                           kindName(v) + "; expected " + expected);
}

}  // namespace

std::vector<ListValue> parsePythonList(std::string_view text, const ErrorLocation& where) {
    return ListParser(text, where).parse();
}

std::vector<std::string> parseStringList(std::string_view text, const ErrorLocation& where) {
    std::vector<ListValue> values = parsePythonList(text, where);
    std::vector<std::string> out;
    out.reserve(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (auto* s = std::get_if<std::string>(&values[k])) {
            out.push_back(std::move(*s));
        } else {
            wrongKind(where, k, values[k], "a string");
        }
    }
    return out;
}

std::vector<std::int64_t> parseIntList(std::string_view text, const ErrorLocation& where) {
    const std::vector<ListValue> values = parsePythonList(text, where);
    std::vector<std::int64_t> out;
    out.reserve(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (const auto* v = std::get_if<std::int64_t>(&values[k])) {
            out.push_back(*v);
        } else {
            wrongKind(where, k, values[k], "an integer");
        }
    }
    return out;
}

std::vector<double> parseNumberList(std::string_view text, const ErrorLocation& where) {
    const std::vector<ListValue> values = parsePythonList(text, where);
    std::vector<double> out;
    out.reserve(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) {
        if (const auto* v = std::get_if<std::int64_t>(&values[k])) {
            out.push_back(static_cast<double>(*v));
        } else if (const auto* d = std::get_if<double>(&values[k])) {
            out.push_back(*d);
        } else {
            wrongKind(where, k, values[k], "a number");
        }
    }
    return out;
}

std::string pythonStringRepr(std::string_view text) {
    const bool hasSingle = text.find('\'') != std::string_view::npos;
    const bool hasDouble = text.find('"') != std::string_view::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\') out += "\\\\";
        else if (c == quote) { out += '\\'; out += c; }
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (u < 0x20 || u == 0x7F) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += quote;
    return out;
}

std::string pythonList(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t k = 0; k < values.size(); ++k) {
        out += k ? ", " : "";
        out += pythonStringRepr(values[k]);
    }
    return out + "]";
}

std::string pythonList(const std::vector<std::int64_t>& values) {
    std::string out = "[";
    for (std::size_t k = 0; k < values.size(); ++k) {
        out += k ? ", " : "";
        out += std::to_string(values[k]);
    }
    return out + "]";
}

}  // namespace flower::data
