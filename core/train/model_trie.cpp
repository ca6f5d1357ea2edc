#include "core/train/model_trie.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/flow/title_rewards.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/rq1_target.h"

namespace flower::train {

flow::TitleTrie titleTrieInModelIds(std::span<const flow::TitleItem> items,
                                    const text::Tokenizer& tokenizer, text::TokenId termination,
                                    const text::VocabularyMap* vocabulary) {
    std::vector<std::vector<text::TokenId>> tokens;
    tokens.reserve(items.size());
    for (const auto& item : items) {
        auto ids = tokenizer.encode(item.title);
        tokens.push_back(vocabulary ? vocabulary->toCompact(ids) : std::move(ids));
    }
    const text::TokenId end = vocabulary ? vocabulary->toCompact(termination) : termination;
    return flow::TitleTrie::fromTokens(items, tokens, end);
}

ModelTrie ModelTrie::forCatalogue(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
                                  text::TokenId termination, const text::VocabularyMap* vocabulary) {
    std::vector<flow::TitleItem> items;
    items.reserve(dataset.catalog.size());
    for (std::size_t id = 0; id < dataset.catalog.size(); ++id) {
        items.push_back({static_cast<std::int64_t>(id), dataset.catalog.titles()[id]});
    }
    ModelTrie m{titleTrieInModelIds(items, tokenizer, termination, vocabulary), {}};
    const data::Popularity popularity(dataset.catalog, dataset.train);
    m.rewards.resize(m.trie.titleCount());
    for (std::size_t t = 0; t < m.rewards.size(); ++t) {
        m.rewards[t] = static_cast<double>(popularity.reward(m.trie.title(static_cast<flow::TitleIndex>(t))));
    }
    return m;
}

ModelTrie ModelTrie::forRq1Target(const Rq1Target& target, const text::Tokenizer& tokenizer,
                                  text::TokenId termination, const text::VocabularyMap* vocabulary) {
    const flow::TitleRewards rewards{target.titles, target.counts};
    const auto items = flow::itemsOf(rewards);
    ModelTrie m{titleTrieInModelIds(items, tokenizer, termination, vocabulary), {}};
    m.rewards = flow::rewardsForTrie(m.trie, rewards);
    return m;
}

}  // namespace flower::train
