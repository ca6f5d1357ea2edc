// DistributionFit: the paper's RQ1 measure of how well generated titles fit a target set —
// KL(T‖R), KL(R‖T) and JS between the target counts T and the generated counts R, at title
// level and at token level — computed as the reference does (Mr-Peach0301/Flower,
// without_history/gfn/process.ipynb "evaluation" cells, which produced the paper's numbers):
//   - keys = union of both sides' keys; a key missing on one side gets the count
//     float64 machine epsilon (2.22e-16) *before* normalisation (so totals include it);
//   - p = counts / total on each side; KL(T‖R) = Σ t·ln(t/r), KL(R‖T) = Σ r·ln(r/t);
//   - JS = ½·H(r, M) + ½·H(t, M), M = (r+t)/2, with scipy.stats.entropy (natural log, so
//     JS ≤ ln 2; scipy renormalises both arguments, which we repeat);
//   - title level: a generation that is not a target title is counted apart (`outOfSet`) and
//     dropped (OutOfSetPolicy::Drop, the notebook's `keys.remove('Not_in_dataset')`). The
//     reference's in-training callback (lightning_module.py) instead keeps them as one extra
//     key "Not_in_dataset" whose target count is epsilon: OutOfSetPolicy::Bucket;
//   - token level: tokens of every generation (out-of-set ones included, as the notebook
//     re-tokenizes every generated title) against Σ count × occurrences of each token in the
//     target titles; the termination token is not counted on either side (this reproduces
//     select_100_Movies_token.json exactly). Note: the notebook's generated-side count has a
//     bug (`if i not in token_inter` tests an int against str keys, so each token ends with the
//     count of the *last* generated title containing it, once); we sum correctly.
// Value type, immutable, thread-safe. Failure (flower::Error): a target count ≤ 0 or not finite,
// an empty target, two target titles with the same tokens, mismatched sizes.
#pragma once

#include "core/text/token_id.h"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flower::eval {

using text::TokenId;

// numpy.finfo(np.float64).eps: the count of a key that one side lacks.
inline constexpr double kMissingCount = std::numeric_limits<double>::epsilon();

struct Divergences {
    double klTargetGenerated = 0.0;  // KL(T‖R), the reference's kl_mb
    double klGeneratedTarget = 0.0;  // KL(R‖T), kl_bm
    double js = 0.0;                 // JS(R, T) in nats, js_bm
};

// The three divergences of two count vectors aligned over the union of keys: index i is the
// same key on both sides, a count of 0 means "key absent on that side" (it becomes
// kMissingCount). Error when the sizes differ, a count is negative or not finite, or a key is
// absent on both sides.
Divergences divergencesOfCounts(std::span<const double> target, std::span<const double> generated);

// The same for keyed counts (a key absent from a map is absent on that side).
template <typename Key>
Divergences divergencesOfCountMaps(const std::map<Key, double>& target,
                                   const std::map<Key, double>& generated) {
    std::vector<double> t, g;
    auto a = target.begin();
    auto b = generated.begin();
    while (a != target.end() || b != generated.end()) {
        if (b == generated.end() || (a != target.end() && a->first < b->first)) {
            t.push_back(a->second), g.push_back(0.0), ++a;
        } else if (a == target.end() || b->first < a->first) {
            t.push_back(0.0), g.push_back(b->second), ++b;
        } else {
            t.push_back(a->second), g.push_back(b->second), ++a, ++b;
        }
    }
    return divergencesOfCounts(t, g);
}

enum class OutOfSetPolicy { Drop, Bucket };

struct DistributionFitResult {
    Divergences title;
    Divergences token;
    std::int64_t samples = 0;                // generations evaluated
    std::int64_t outOfSet = 0;               // generations that are not a target title
    std::vector<std::int64_t> titleCounts;   // generations per target title (target order)
};

class DistributionFit {
public:
    // titleTokens[i]: the tokens of target title i (termination excluded), in the id space of
    // the generations that will be evaluated (tokenizer ids, or compact ids of a tiny model);
    // counts[i] > 0 its target count.
    DistributionFit(std::vector<std::vector<TokenId>> titleTokens, std::vector<double> counts,
                    OutOfSetPolicy policy = OutOfSetPolicy::Drop);

    std::size_t titleCount() const { return counts_.size(); }
    const std::vector<double>& targetCounts() const { return counts_; }
    const std::vector<std::vector<TokenId>>& titleTokens() const { return titleTokens_; }
    // Σ count × occurrences of each token over the target titles.
    const std::map<TokenId, double>& targetTokenCounts() const { return tokenCounts_; }
    // The target title whose tokens are exactly `tokens` (termination excluded), if any.
    std::optional<std::size_t> titleOf(std::span<const TokenId> tokens) const;

    // Generations as token sequences, termination excluded.
    DistributionFitResult evaluate(std::span<const std::vector<TokenId>> generated) const;
    // The limit of evaluate() for infinitely many samples from a policy that generates target
    // title i with probability probabilities[i] (Σ ≤ 1; the rest would be out of set and is
    // dropped at title level): title counts ∝ probabilities, token counts ∝ Σ_i p_i ×
    // occurrences in title i. A probability of exactly 0 is a missing key (kMissingCount on a
    // total near 1, i.e. as if one sample had been drawn: finite, large KL(T‖R)).
    // samples = 0, titleCounts empty. Error on a size mismatch, a negative or non-finite
    // probability, or Σ = 0.
    DistributionFitResult evaluateProbabilities(std::span<const double> probabilities) const;

private:
    std::vector<std::vector<TokenId>> titleTokens_;
    std::vector<double> counts_;
    OutOfSetPolicy policy_;
    std::map<TokenId, double> tokenCounts_;
    std::map<std::vector<TokenId>, std::size_t> byTokens_;
};

}  // namespace flower::eval
