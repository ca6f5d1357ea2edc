#include "core/train/bigrec_data.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/batch_collation.h"
#include "core/util/error.h"

#include <string>

namespace flower::train {

BigRecData::BigRecData(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
                       const text::PromptTemplate& prompt, const BigRecOptions& options,
                       const text::VocabularyMap* vocabulary) {
    const data::Popularity popularity(dataset.catalog, dataset.train);
    const data::PopularityGroups groups(popularity, options.groups);
    const auto toModel = [&](std::vector<text::TokenId>& ids) {
        if (vocabulary) {
            for (auto& id : ids) id = vocabulary->toCompact(id);
        }
    };
    itemTargets_.reserve(dataset.catalog.size());
    for (const auto& title : dataset.catalog.titles()) {
        auto ids = text::PromptTemplate::targetTokens(tokenizer, title, options.termination);
        toModel(ids);
        itemTargets_.push_back(std::move(ids));
    }
    std::vector<text::TokenId> instruction = tokenizer.encode(prompt.instructionPart());
    toModel(instruction);
    std::vector<std::int32_t> itemGroup(dataset.catalog.size());
    for (std::size_t id = 0; id < itemGroup.size(); ++id) {
        itemGroup[id] = groups.groupOf(dataset.catalog.titles()[id]);
    }

    std::vector<std::string> history;
    std::vector<text::TokenId> input;
    for (auto [split, out] : {std::pair{&dataset.train, &train_}, std::pair{&dataset.valid, &valid_},
                              std::pair{&dataset.test, &test_}}) {
        out->promptOffset.reserve(split->size() + 1);
        out->promptOffset.push_back(0);
        for (const auto& row : split->rows()) {
            history.clear();
            for (auto id : row.history) history.push_back(dataset.catalog.title(id));
            input.clear();
            tokenizer.encodeInto(prompt.inputPart(history), input);
            toModel(input);
            out->promptIds.insert(out->promptIds.end(), instruction.begin(), instruction.end());
            out->promptIds.insert(out->promptIds.end(), input.begin(), input.end());
            out->promptOffset.push_back(static_cast<std::int64_t>(out->promptIds.size()));
            out->targetItem.push_back(row.target);
            out->group.push_back(itemGroup[static_cast<std::size_t>(row.target)]);
        }
    }
    pad_ = vocabulary ? vocabulary->toCompact(options.termination) : options.termination;
}

std::int64_t BigRecData::size(Split split) const {
    return static_cast<std::int64_t>(part(split).targetItem.size());
}

std::size_t BigRecData::checkedRow(Split split, std::int64_t row) const {
    if (row < 0 || row >= size(split)) {
        throw Error({"", 0, "rows"}, "row " + std::to_string(row) + " is outside the " +
                                         toString(split) + " split of " +
                                         std::to_string(size(split)) + " examples");
    }
    return static_cast<std::size_t>(row);
}

std::span<const text::TokenId> BigRecData::promptIds(Split split, std::int64_t row) const {
    const auto r = checkedRow(split, row);
    const Part& p = part(split);
    return std::span<const text::TokenId>(p.promptIds)
        .subspan(static_cast<std::size_t>(p.promptOffset[r]),
                 static_cast<std::size_t>(p.promptOffset[r + 1] - p.promptOffset[r]));
}

std::span<const text::TokenId> BigRecData::targetIds(Split split, std::int64_t row) const {
    const auto r = checkedRow(split, row);
    return itemTargets_[static_cast<std::size_t>(part(split).targetItem[r])];
}

std::int64_t BigRecData::targetItem(Split split, std::int64_t row) const {
    return part(split).targetItem[checkedRow(split, row)];
}

std::int64_t BigRecData::targetGroup(Split split, std::int64_t row) const {
    return part(split).group[checkedRow(split, row)];
}

TrainBatch BigRecData::batch(Split split, std::span<const std::int64_t> rows) const {
    std::vector<std::span<const text::TokenId>> prompts, targets;
    std::vector<std::int64_t> groups;
    for (std::int64_t row : rows) {
        prompts.push_back(promptIds(split, row));
        targets.push_back(targetIds(split, row));
        groups.push_back(targetGroup(split, row));
    }
    return collateBatch(prompts, targets, groups, std::vector<std::int64_t>(rows.begin(), rows.end()), pad_);
}

}  // namespace flower::train
