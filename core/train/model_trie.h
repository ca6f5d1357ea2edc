// ModelTrie: the TitleTrie in the model's id space plus one reward per trie title — what the
// objectives (Flower's SubTB, trie-constrained sampling) and the RQ1 evaluator receive.
// Titles are tokenized alone (tokenizer ids), mapped through an optional VocabularyMap to compact
// ids, then built with TitleTrie::fromTokens; the termination token is mapped the same way.
//   - forCatalogue: every catalogue title (item ids kept), reward = the title's count in the
//     training histories (data::Popularity; 0 for titles never in a history);
//   - forRq1Target: exactly the target titles (item id = position in the target), reward = count.
// Value type. Failure (flower::Error): a title token or the termination missing from the
// vocabulary map (named), anything TitleTrie::fromTokens rejects.
#pragma once

#include "core/flow/title_trie.h"

#include <vector>

namespace flower::data {
struct Dataset;
}
namespace flower::text {
class Tokenizer;
class VocabularyMap;
}  // namespace flower::text

namespace flower::train {

struct Rq1Target;

struct ModelTrie {
    flow::TitleTrie trie;
    std::vector<double> rewards;  // [trie.titleCount()]

    static ModelTrie forCatalogue(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
                                  text::TokenId termination,
                                  const text::VocabularyMap* vocabulary = nullptr);
    static ModelTrie forRq1Target(const Rq1Target& target, const text::Tokenizer& tokenizer,
                                  text::TokenId termination,
                                  const text::VocabularyMap* vocabulary = nullptr);
};

// Titles tokenized alone and mapped into the model's ids (termination excluded).
flow::TitleTrie titleTrieInModelIds(std::span<const flow::TitleItem> items,
                                    const text::Tokenizer& tokenizer, text::TokenId termination,
                                    const text::VocabularyMap* vocabulary);

}  // namespace flower::train
