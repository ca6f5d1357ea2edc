#include "core/eval/title_text.h"

#include <cstdint>

namespace flower::eval {

namespace {

// Length of the white-space code point starting at s[i] (0 when it is not white space):
// the characters for which Python's str.isspace() is true.
std::size_t whiteSpaceAt(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) {
        return (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) ? 1 : 0;
    }
    if (c == 0xC2 && i + 1 < s.size()) {
        return (b(i + 1) == 0x85 || b(i + 1) == 0xA0) ? 2 : 0;  // U+0085, U+00A0
    }
    if (i + 2 >= s.size()) return 0;
    const std::uint32_t cp = (static_cast<std::uint32_t>(c & 0x0F) << 12) |
                             (static_cast<std::uint32_t>(b(i + 1) & 0x3F) << 6) |
                             (b(i + 2) & 0x3F);
    if ((c & 0xF0) != 0xE0 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
    const bool space = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return space ? 3 : 0;
}

}  // namespace

std::string_view stripChars(std::string_view s, std::string_view chars) {
    const std::size_t first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return {};
    const std::size_t last = s.find_last_not_of(chars);
    return s.substr(first, last - first + 1);
}

std::string normaliseGeneratedTitle(std::string_view title) {
    return std::string(stripChars(stripChars(stripChars(stripChars(title, ": \n"), " \n"), "\""), " "));
}

std::string normaliseTargetTitle(std::string_view title) {
    return std::string(stripChars(title, " \n"));
}

std::string normaliseListTargetTitle(std::string_view firstTitle) {
    return std::string(stripChars(stripChars(firstTitle, "\""), " "));
}

std::string normaliseCatalogueTitle(std::string_view title) {
    return std::string(stripChars(stripChars(stripChars(stripChars(title, "\""), " "), "\n"), "\""));
}

std::vector<std::string_view> titleWords(std::string_view title) {
    while (!title.empty() && title.back() == '\n') title.remove_suffix(1);
    std::vector<std::string_view> words;
    std::size_t i = 0, start = 0;
    bool inWord = false;
    while (i < title.size()) {
        const std::size_t w = whiteSpaceAt(title, i);
        if (w > 0) {
            if (inWord) words.push_back(title.substr(start, i - start));
            inWord = false;
            i += w;
        } else {
            if (!inWord) start = i;
            inWord = true;
            ++i;
        }
    }
    if (inWord) words.push_back(title.substr(start));
    return words;
}

}  // namespace flower::eval
