#include "core/prepare/title_rules.h"

#include <cstddef>

namespace flower::prepare {

namespace {

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (true) {
        const std::size_t hit = text.find(from, pos);
        if (hit == std::string_view::npos) break;
        out.append(text.substr(pos, hit - pos)).append(to);
        pos = hit + from.size();
    }
    out.append(text.substr(pos));
    return out;
}

std::string_view strip(std::string_view text, char c) {
    while (!text.empty() && text.front() == c) text.remove_prefix(1);
    while (!text.empty() && text.back() == c) text.remove_suffix(1);
    return text;
}

}  // namespace

bool hasSpanMarkup(std::string_view title) { return title.find("<span id") != std::string_view::npos; }

std::string cleanTitleOnce(std::string_view title) {
    // Order as the reference: &quot; first, so "&amp;quot;" becomes "&quot;" (not '"').
    const std::string unquoted = replaceAll(replaceAll(title, "&quot;", "\""), "&amp;", "&");
    return std::string(strip(strip(unquoted, ' '), '"'));
}

std::string cleanTitle(std::string_view title, int rounds) {
    std::string t(title);
    for (int r = 0; r < rounds; ++r) t = cleanTitleOnce(t);
    return t;
}

bool isAcceptedTitle(std::string_view cleaned) {
    std::size_t codePoints = 0;
    for (const char c : cleaned) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++codePoints;
        if (codePoints > 1) break;
    }
    if (codePoints <= 1) return false;
    std::size_t words = 1;
    for (const char c : cleaned) words += c == ' ' ? 1 : 0;
    return words <= 20;
}

}  // namespace flower::prepare
