#include "core/eval/lexical_diversity.h"

#include "core/eval/title_catalogue.h"
#include "core/eval/title_text.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace flower::eval {

LexicalDiversity lexicalDiversity(std::span<const std::vector<std::string>> lists,
                                  const TitleCatalogue& catalogue, int k) {
    if (k < 0) throw Error({"", 0, "k"}, "expected a cut-off K ≥ 0, got " + std::to_string(k));
    // Word counts in order of first appearance: the sum below then adds terms in calc.py's
    // order (a Python dict keeps insertion order), so H matches to the last bit.
    std::unordered_map<std::string_view, std::size_t> index;
    std::vector<std::int64_t> counts;
    std::unordered_set<std::string_view> titles;
    LexicalDiversity d;
    for (const auto& list : lists) {
        const std::size_t n = k == 0 ? list.size() : std::min(list.size(), static_cast<std::size_t>(k));
        for (std::size_t i = 0; i < n; ++i) {
            const std::string& title = list[i];
            ++d.titles;
            titles.insert(title);
            if (!catalogue.contains(title)) ++d.outsideCatalogue;
            for (const std::string_view w : titleWords(title)) {
                const auto [it, fresh] = index.emplace(w, counts.size());
                if (fresh) counts.push_back(0);
                ++counts[it->second];
                ++d.words;
            }
        }
    }
    d.distinctTitles = static_cast<std::int64_t>(titles.size());
    d.distinctWords = static_cast<std::int64_t>(counts.size());
    if (d.words > 0) {
        const double total = static_cast<double>(d.words);
        for (const auto c : counts) {
            const double p = static_cast<double>(c) / total;
            d.entropyBits += -p * std::log2(p);
        }
        d.ttr = static_cast<double>(d.distinctWords) / total;
    }
    return d;
}

}  // namespace flower::eval
