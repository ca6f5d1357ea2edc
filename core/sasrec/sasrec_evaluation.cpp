#include "core/sasrec/sasrec_evaluation.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <span>

namespace flower::sasrec {

namespace {

// Scores of rows [begin, end): [n, items] float32.
at::Tensor scoreBatch(SasRecImpl& model, const SequenceTensors& rows, std::int64_t begin,
                      std::int64_t end) {
    const auto states = rows.states.slice(0, begin, end);
    const auto lengths = rows.lengths.slice(0, begin, end);
    return model.scoreAll(model.state(states, lengths, nullptr)).to(torch::kFloat32).contiguous();
}

// Row r of `scores` is row offset + r of `targets`, `ranks` and `top`.
void rankInto(const at::Tensor& scores, const at::Tensor& targets, std::int64_t offset,
              std::vector<std::int64_t>& ranks, std::vector<std::int64_t>& top) {
    const auto n = scores.size(0), items = scores.size(1);
    const float* data = scores.data_ptr<float>();
    const auto target = targets.accessor<std::int64_t, 1>();
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            const std::span<const float> row(data + r * items, static_cast<std::size_t>(items));
            ranks[static_cast<std::size_t>(offset + r)] = targetRank(row, target[offset + r]);
            top[static_cast<std::size_t>(offset + r)] = topItem(row);
        }
    });
}

}  // namespace

at::Tensor scoreRows(SasRecImpl& model, const SequenceTensors& rows, std::int64_t batchSize) {
    torch::NoGradGuard noGrad;
    const auto n = rows.rows();
    at::Tensor out = torch::empty({n, model.config().items}, torch::kFloat32);
    for (std::int64_t b = 0; b < n; b += batchSize) {
        const auto e = std::min(n, b + batchSize);
        out.slice(0, b, e).copy_(scoreBatch(model, rows, b, e));
    }
    return out;
}

RankingEvaluation rankScores(const at::Tensor& scores, const at::Tensor& targets,
                             const std::vector<int>& ks) {
    RankingEvaluation r{RankingMetrics(ks), {}, {}};
    const auto n = scores.size(0);
    r.ranks.resize(static_cast<std::size_t>(n));
    r.top.resize(static_cast<std::size_t>(n));
    rankInto(scores.to(torch::kFloat32).contiguous(), targets.contiguous(), 0, r.ranks, r.top);
    r.metrics.addAll(r.ranks);
    return r;
}

RankingEvaluation evaluateRanking(SasRecImpl& model, const SequenceTensors& rows,
                                  const std::vector<int>& ks, std::int64_t batchSize) {
    torch::NoGradGuard noGrad;
    RankingEvaluation r{RankingMetrics(ks), {}, {}};
    const auto n = rows.rows();
    r.ranks.resize(static_cast<std::size_t>(n));
    r.top.resize(static_cast<std::size_t>(n));
    const at::Tensor targets = rows.targets.contiguous();
    for (std::int64_t b = 0; b < n; b += batchSize) {
        const auto e = std::min(n, b + batchSize);
        rankInto(scoreBatch(model, rows, b, e), targets, b, r.ranks, r.top);
    }
    r.metrics.addAll(r.ranks);
    return r;
}

}  // namespace flower::sasrec
