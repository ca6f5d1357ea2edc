#include "core/train/history_free_data.h"

#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/batch_collation.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace flower::train {

namespace {

// A double in [0, 1) from the top 53 bits (our own mapping: std distributions differ by library).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::vector<std::int32_t> drawIid(std::span<const double> counts, std::int64_t n,
                                  std::mt19937_64& rng) {
    // random.choices: cumulative weights, bisect on u × total.
    std::vector<double> cumulative(counts.size());
    std::partial_sum(counts.begin(), counts.end(), cumulative.begin());
    const double total = cumulative.back();
    std::vector<std::int32_t> out(static_cast<std::size_t>(n));
    for (auto& t : out) {
        const double u = unit(rng) * total;
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        t = static_cast<std::int32_t>(std::min<std::ptrdiff_t>(it - cumulative.begin(),
                                                               static_cast<std::ptrdiff_t>(counts.size()) - 1));
    }
    return out;
}

std::vector<std::int32_t> drawProportional(std::span<const double> counts, std::int64_t n,
                                           std::mt19937_64& rng) {
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    std::vector<std::int64_t> quota(counts.size());
    std::vector<std::pair<double, std::size_t>> remainder;
    std::int64_t given = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const double exact = static_cast<double>(n) * counts[i] / total;
        quota[i] = static_cast<std::int64_t>(std::floor(exact));
        given += quota[i];
        remainder.emplace_back(exact - static_cast<double>(quota[i]), i);
    }
    // Largest remainders first; ties: the earlier title.
    std::stable_sort(remainder.begin(), remainder.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; given < n; ++k, ++given) ++quota[remainder[k % remainder.size()].second];
    std::vector<std::int32_t> out;
    out.reserve(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out.insert(out.end(), static_cast<std::size_t>(quota[i]), static_cast<std::int32_t>(i));
    }
    // Fisher–Yates with our own index mapping.
    for (std::size_t i = out.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(unit(rng) * static_cast<double>(i));
        std::swap(out[i - 1], out[std::min(j, i - 1)]);
    }
    return out;
}

}  // namespace

std::vector<std::int32_t> drawHistoryFreeTitles(std::span<const double> counts,
                                                const HistoryFreeOptions& options) {
    if (options.examples < 1) {
        throw Error({"", 0, "examples"}, "expected at least 1 example, got " +
                                             std::to_string(options.examples));
    }
    if (!(options.trainFraction > 0.0 && options.trainFraction <= 1.0)) {
        throw Error({"", 0, "train_fraction"}, "expected a fraction in (0, 1], got " +
                                                   std::to_string(options.trainFraction));
    }
    if (counts.empty()) throw Error({"", 0, "rq1_target"}, "the target set is empty");
    std::mt19937_64 rng(options.seed);
    return options.sampling == TargetSampling::Iid ? drawIid(counts, options.examples, rng)
                                                   : drawProportional(counts, options.examples, rng);
}

HistoryFreeData::HistoryFreeData(const Rq1Target& target, const text::Tokenizer& tokenizer,
                                 const text::PromptTemplate& prompt,
                                 const HistoryFreeOptions& options,
                                 const text::VocabularyMap* vocabulary) {
    examples_ = drawHistoryFreeTitles(target.counts, options);
    // int(len(prompts) * train_size), with the same double arithmetic as Python.
    trainSize_ = static_cast<std::int64_t>(static_cast<double>(options.examples) * options.trainFraction);
    const auto toModel = [&](std::vector<text::TokenId> ids) {
        return vocabulary ? vocabulary->toCompact(ids) : ids;
    };
    prompt_ = toModel(tokenizer.encode(prompt.render({})));
    titles_.reserve(target.size());
    for (const auto& title : target.titles) {
        titles_.push_back(toModel(text::PromptTemplate::targetTokens(tokenizer, title, options.termination)));
    }
    pad_ = vocabulary ? vocabulary->toCompact(options.termination) : options.termination;
}

std::int64_t HistoryFreeData::size(Split split) const {
    const auto all = static_cast<std::int64_t>(examples_.size());
    return split == Split::Train ? trainSize_ : split == Split::Valid ? all - trainSize_ : 0;
}

std::int32_t HistoryFreeData::titleOf(Split split, std::int64_t row) const {
    if (row < 0 || row >= size(split)) {
        throw Error({"", 0, "rows"}, "row " + std::to_string(row) + " is outside the " +
                                         toString(split) + " split of " +
                                         std::to_string(size(split)) + " examples");
    }
    return examples_[static_cast<std::size_t>(split == Split::Train ? row : trainSize_ + row)];
}

TrainBatch HistoryFreeData::batch(Split split, std::span<const std::int64_t> rows) const {
    std::vector<std::span<const text::TokenId>> prompts, targets;
    std::vector<std::int64_t> groups(rows.size(), -1);  // RQ1 has no popularity groups
    for (std::int64_t row : rows) {
        prompts.emplace_back(prompt_);
        targets.emplace_back(titles_[static_cast<std::size_t>(titleOf(split, row))]);
    }
    return collateBatch(prompts, targets, groups, std::vector<std::int64_t>(rows.begin(), rows.end()), pad_);
}

}  // namespace flower::train
