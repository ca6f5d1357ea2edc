#include "core/text/byte_level.h"

#include "core/util/utf8.h"

#include <vector>

namespace flower::text {

namespace {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes
// are shifted to U+0100.. in byte order.
std::array<char32_t, 256> makeByteTable() {
    std::array<char32_t, 256> table{};
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b) printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        table[b] = printable[b] ? static_cast<char32_t>(b) : next++;
    }
    return table;
}

const std::array<char32_t, 256>& byteTable() {
    static const std::array<char32_t, 256> table = makeByteTable();
    return table;
}

// Inverse table over the small code point range the alphabet uses (< 0x144); -1 = not in it.
const std::vector<int>& codePointToByte() {
    static const std::vector<int> inverse = [] {
        std::vector<int> inv(0x200, -1);
        for (int b = 0; b < 256; ++b) inv[byteTable()[b]] = b;
        return inv;
    }();
    return inverse;
}

}  // namespace

char32_t byteToCodePoint(std::uint8_t b) { return byteTable()[b]; }


const std::array<std::string, 256>& byteLevelAlphabet() {
    static const std::array<std::string, 256> alphabet = [] {
        std::array<std::string, 256> a;
        for (int b = 0; b < 256; ++b) util::appendUtf8(byteTable()[b], a[b]);
        return a;
    }();
    return alphabet;
}

std::string toByteLevel(std::string_view bytes) {
    const auto& alphabet = byteLevelAlphabet();
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) out += alphabet[static_cast<std::uint8_t>(c)];
    return out;
}

namespace {
// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when invalid; `bad` receives the
// number of bytes that form the maximal invalid prefix (Unicode "substitution of maximal
// subparts", which is what Rust's from_utf8_lossy implements).
std::size_t validSequence(std::string_view s, std::size_t i, std::size_t& bad) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    const std::uint8_t b0 = byte(i);
    bad = 1;
    if (b0 < 0x80) return 1;
    std::size_t need;
    std::uint8_t lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) return 0;
        const std::uint8_t b = byte(i + k);
        const std::uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return 0;
        bad = k + 1;
    }
    return need + 1;
}
}  // namespace

char32_t nextCodePoint(std::string_view s, std::size_t& i) {
    std::size_t bad = 1;
    const std::size_t n = validSequence(s, i, bad);
    if (n == 0) {
        ++i;
        return 0xFFFD;
    }
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    char32_t cp;
    switch (n) {
        case 1: cp = byte(i); break;
        case 2: cp = ((byte(i) & 0x1F) << 6) | (byte(i + 1) & 0x3F); break;
        case 3: cp = ((byte(i) & 0x0F) << 12) | ((byte(i + 1) & 0x3F) << 6) | (byte(i + 2) & 0x3F); break;
        default:
            cp = ((byte(i) & 0x07) << 18) | ((byte(i + 1) & 0x3F) << 12) |
                 ((byte(i + 2) & 0x3F) << 6) | (byte(i + 3) & 0x3F);
    }
    i += n;
    return cp;
}

void appendByteLevelToken(std::string_view token, std::string& bytes) {
    const auto& inverse = codePointToByte();
    const std::size_t start = bytes.size();
    std::size_t i = 0;
    while (i < token.size()) {
        const std::size_t before = i;
        const char32_t cp = nextCodePoint(token, i);
        const bool known = cp < inverse.size() && inverse[cp] >= 0 &&
                           !(cp == 0xFFFD && i - before == 1);
        if (!known) {
            bytes.resize(start);
            bytes.append(token);
            return;
        }
        bytes += static_cast<char>(inverse[cp]);
    }
}

std::string utf8Lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::size_t bad = 1;
        const std::size_t n = validSequence(bytes, i, bad);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            i += bad;
        } else {
            out.append(bytes.substr(i, n));
            i += n;
        }
    }
    return out;
}

}  // namespace flower::text
