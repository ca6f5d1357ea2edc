#include "core/text/category_words.h"

namespace flower::text {

namespace {
// The reference's prompt for category word C: list = item = C, history = C + "s".
CategoryWords referenceWords(const std::string& c) { return {c, c, c + "s"}; }
}  // namespace

CategoryWords CategoryWords::referenceMovies() { return referenceWords("movies and TV"); }

CategoryWords categoryWordsFor(std::string_view dataset) {
    if (dataset.find("CDs_and_Vinyl") != std::string_view::npos) return referenceWords("musics");
    if (dataset.find("Video_Games") != std::string_view::npos) return referenceWords("video games");
    return {};
}

}  // namespace flower::text
