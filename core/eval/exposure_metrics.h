// ExposureMetrics: how widely the recommendations spread over the catalogue — item coverage@K
// and the Gini index of exposure@K (not in the reference, which has neither; standard
// definitions). Over the first K titles of every list, catalogue titles only (out-of-catalogue
// titles are CC's business); items are the n distinct normalised catalogue titles (two ids
// sharing a title are one item, as the model generates titles):
//   - e_i = how often item i is recommended;
//   - coverage@K = |{i : e_i > 0}| / n
//   - Gini@K = Σ_i Σ_j |e_i − e_j| / (2 n Σ_i e_i) = Σ_i (2i − n − 1) e_(i) / (n Σ e), with
//     e_(1) ≤ … ≤ e_(n); 0 = every item equally exposed, (n − 1)/n = one item takes all;
//     0 when nothing was recommended from the catalogue.
// Pure function, thread-safe. Failure: flower::Error for K < 1.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flower::eval {

class TitleCatalogue;

struct ExposureMetrics {
    double coverage = 0.0;
    double gini = 0.0;
    std::int64_t coveredItems = 0;
    std::int64_t items = 0;  // n
};

ExposureMetrics exposureMetrics(std::span<const std::vector<std::string>> lists, int k,
                                const TitleCatalogue& catalogue);

}  // namespace flower::eval
