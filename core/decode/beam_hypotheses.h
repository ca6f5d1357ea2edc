// BeamHypotheses: the finished hypotheses of one prompt's beam search, with the semantics of
// Hugging Face's BeamHypotheses (transformers ≥ 4.33, generation/beam_search.py) for
// early_stopping=False:
//   - add(): score = Σ step scores / L^α (L = generated tokens, the terminator included); kept
//     when fewer than B are held or the score beats the worst held (strictly), the worst then
//     dropped;
//   - isDone(best, L): B held and the worst held ≥ best / L^α, where `best` is the best running
//     candidate's summed score at generated length L — HF's heuristic for early_stopping=False.
//     It is exact for α = 0 (scores only fall as a title grows); for α > 0 a longer continuation
//     of a running beam could still score higher (dividing a negative sum by a larger L^α), and
//     HF stops anyway. We keep the heuristic: the reference's numbers come from it.
// Value type; one per prompt; not thread-safe.
#pragma once

#include "core/flow/title_trie.h"

#include <cstdint>
#include <vector>

namespace flower::decode {

// One finished title of a beam search.
struct Hypothesis {
    flow::TitleIndex title = -1;      // trie title
    double score = 0.0;               // Σ tokenScores / L^α
    double sumScore = 0.0;            // Σ tokenScores
    std::vector<double> tokenScores;  // [L] step score of each generated token, ⊤ included
};

class BeamHypotheses {
public:
    BeamHypotheses(int beams, double lengthPenalty) : beams_(beams), lengthPenalty_(lengthPenalty) {}

    // The length-penalised score of a summed score at generated length `length`.
    double penalised(double sumScore, std::int64_t length) const;
    void add(Hypothesis hypothesis);  // hypothesis.score is set here from sumScore and its length
    bool isDone(double bestRunningSum, std::int64_t length) const;

    std::size_t size() const { return held_.size(); }
    double worstScore() const { return worst_; }
    // The held hypotheses, best first (ties: the one added later first, as HF's sort-and-pop).
    std::vector<Hypothesis> best() const;

private:
    int beams_;
    double lengthPenalty_;
    double worst_ = 1e9;  // HF's initial worst score
    std::vector<Hypothesis> held_;
};

}  // namespace flower::decode
