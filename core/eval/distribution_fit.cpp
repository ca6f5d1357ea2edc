#include "core/eval/distribution_fit.h"

#include "core/util/error.h"

#include <cmath>
#include <string>

namespace flower::eval {

namespace {

void checkCount(double c, const char* side, std::size_t i) {
    if (!std::isfinite(c) || c < 0) {
        throw Error({"", 0, std::string(side) + " counts"},
                    "count " + std::to_string(i) + " is " + std::to_string(c) +
                        "; expected a finite number ≥ 0");
    }
}

double sum(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s;
}

// scipy.stats.entropy(p, q): both renormalised, Σ p·ln(p/q) (every entry here is > 0).
double scipyEntropy(const std::vector<double>& p, const std::vector<double>& q) {
    const double sp = sum(p);
    const double sq = sum(q);
    double h = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double a = p[i] / sp;
        const double b = q[i] / sq;
        h += a * std::log(a / b);
    }
    return h;
}

}  // namespace

Divergences divergencesOfCounts(std::span<const double> target, std::span<const double> generated) {
    if (target.size() != generated.size()) {
        throw Error({"", 0, "counts"}, "target has " + std::to_string(target.size()) +
                                           " keys, generated " + std::to_string(generated.size()) +
                                           "; expected counts aligned over the same keys");
    }
    const std::size_t n = target.size();
    // Missing keys count as epsilon before normalisation, exactly as the reference's
    // `before.get(key, float_info.eps)`.
    std::vector<double> t(n), g(n);
    for (std::size_t i = 0; i < n; ++i) {
        checkCount(target[i], "target", i);
        checkCount(generated[i], "generated", i);
        if (target[i] == 0.0 && generated[i] == 0.0) {
            throw Error({"", 0, "counts"},
                        "key " + std::to_string(i) + " is absent on both sides");
        }
        t[i] = target[i] == 0.0 ? kMissingCount : target[i];
        g[i] = generated[i] == 0.0 ? kMissingCount : generated[i];
    }
    const double tTotal = sum(t);
    const double gTotal = sum(g);
    std::vector<double> m(n), b(n), mid(n);  // m: target dist, b: generated dist (reference names)
    for (std::size_t i = 0; i < n; ++i) {
        m[i] = t[i] / tTotal;
        b[i] = g[i] / gTotal;
        mid[i] = (b[i] + m[i]) / 2.0;
    }
    Divergences d;
    for (std::size_t i = 0; i < n; ++i) {
        d.klTargetGenerated += m[i] * std::log(m[i] / b[i]);
        d.klGeneratedTarget += b[i] * std::log(b[i] / m[i]);
    }
    d.js = 0.5 * scipyEntropy(b, mid) + 0.5 * scipyEntropy(m, mid);
    return d;
}

DistributionFit::DistributionFit(std::vector<std::vector<TokenId>> titleTokens,
                                 std::vector<double> counts, OutOfSetPolicy policy)
    : titleTokens_(std::move(titleTokens)), counts_(std::move(counts)), policy_(policy) {
    if (titleTokens_.size() != counts_.size()) {
        throw Error({"", 0, "target"}, std::to_string(titleTokens_.size()) + " titles but " +
                                           std::to_string(counts_.size()) + " counts");
    }
    if (counts_.empty()) throw Error({"", 0, "target"}, "the target set is empty");
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (!std::isfinite(counts_[i]) || counts_[i] <= 0) {
            throw Error({"", 0, "target"}, "title " + std::to_string(i) + " has count " +
                                               std::to_string(counts_[i]) + "; expected > 0");
        }
        if (titleTokens_[i].empty()) {
            throw Error({"", 0, "target"}, "title " + std::to_string(i) + " has no tokens");
        }
        if (!byTokens_.emplace(titleTokens_[i], i).second) {
            throw Error({"", 0, "target"}, "titles " + std::to_string(byTokens_[titleTokens_[i]]) +
                                               " and " + std::to_string(i) +
                                               " have the same tokens");
        }
        for (TokenId t : titleTokens_[i]) tokenCounts_[t] += counts_[i];
    }
}

std::optional<std::size_t> DistributionFit::titleOf(std::span<const TokenId> tokens) const {
    const auto it = byTokens_.find(std::vector<TokenId>(tokens.begin(), tokens.end()));
    if (it == byTokens_.end()) return std::nullopt;
    return it->second;
}

DistributionFitResult DistributionFit::evaluate(std::span<const std::vector<TokenId>> generated) const {
    DistributionFitResult r;
    r.samples = static_cast<std::int64_t>(generated.size());
    r.titleCounts.assign(counts_.size(), 0);
    std::map<TokenId, double> tokens;
    for (const auto& g : generated) {
        if (const auto t = titleOf(g)) {
            ++r.titleCounts[*t];
        } else {
            ++r.outOfSet;
        }
        for (TokenId id : g) tokens[id] += 1.0;
    }
    // Title level: the target titles, plus the out-of-set bucket under Bucket.
    std::vector<double> t(counts_.begin(), counts_.end());
    std::vector<double> g(r.titleCounts.begin(), r.titleCounts.end());
    if (policy_ == OutOfSetPolicy::Bucket) {
        t.push_back(kMissingCount);  // data['Not_in_dataset'] = eps
        g.push_back(static_cast<double>(r.outOfSet));
    }
    r.title = divergencesOfCounts(t, g);
    r.token = divergencesOfCountMaps(tokenCounts_, tokens);
    return r;
}

DistributionFitResult DistributionFit::evaluateProbabilities(std::span<const double> probabilities) const {
    if (probabilities.size() != counts_.size()) {
        throw Error({"", 0, "probabilities"}, std::to_string(probabilities.size()) +
                                                  " probabilities for " +
                                                  std::to_string(counts_.size()) + " target titles");
    }
    double total = 0.0;
    for (double p : probabilities) {
        if (!(p >= 0.0) || !std::isfinite(p)) {
            throw Error({"", 0, "probabilities"}, "expected probabilities ≥ 0, got " + std::to_string(p));
        }
        total += p;
    }
    if (!(total > 0.0)) throw Error({"", 0, "probabilities"}, "the probabilities sum to 0");
    DistributionFitResult r;
    std::map<TokenId, double> tokens;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        for (TokenId id : titleTokens_[i]) tokens[id] += probabilities[i];
    }
    std::vector<double> g(probabilities.begin(), probabilities.end());
    std::vector<double> t(counts_.begin(), counts_.end());
    if (policy_ == OutOfSetPolicy::Bucket) {
        t.push_back(kMissingCount);
        g.push_back(std::max(0.0, 1.0 - total));
    }
    r.title = divergencesOfCounts(t, g);
    r.token = divergencesOfCountMaps(tokenCounts_, tokens);
    return r;
}

}  // namespace flower::eval
