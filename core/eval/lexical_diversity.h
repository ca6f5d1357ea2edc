// LexicalDiversity: the paper's word entropy H and type-token ratio TTR of the recommended
// titles (Mr-Peach0301/Flower calc.py), plus the distinct titles and CC it reports beside them.
// Over the first K titles of every list (K = 0: the whole list, as calc.py), out-of-catalogue
// titles included:
//   - words: titleWords() of each normalised title (str.split(): runs of white space);
//     c_w = occurrences of word w, W = Σ c_w;
//   - H   = −Σ_w (c_w / W) log2(c_w / W)   (bits);  TTR = |{w}| / W  (0 when W = 0)
//   - distinctTitles = |{normalised titles}|; CC = titles (occurrences) not in the catalogue.
// Pure function, thread-safe. Failure: flower::Error for K < 0.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flower::eval {

class TitleCatalogue;

struct LexicalDiversity {
    std::int64_t words = 0;
    std::int64_t distinctWords = 0;
    double entropyBits = 0.0;
    double ttr = 0.0;
    std::int64_t titles = 0;
    std::int64_t distinctTitles = 0;
    std::int64_t outsideCatalogue = 0;  // CC
};

LexicalDiversity lexicalDiversity(std::span<const std::vector<std::string>> lists,
                                  const TitleCatalogue& catalogue, int k = 0);

}  // namespace flower::eval
