// The compact vocabulary of a corpus, for tiny models trained from scratch (text::VocabularyMap):
// every tokenizer id the model can read or must write — prompts, target titles (tokenized
// alone), the termination token and the special ids the model config names (BOS/EOS/pad).
//   - bigRecVocabulary: all catalogue titles + the prompts of the train, valid and test rows
//     (instruction part and input part tokenized separately, as BigRecData does);
//   - historyFreeVocabulary: the fixed prompt + the target titles.
// Tokenizes the corpus once. Failure: flower::Error from the tokenizer (invalid UTF-8) or for a
// special id outside the tokenizer's range.
#pragma once

#include "core/text/token_id.h"
#include "core/text/vocabulary_map.h"

#include <span>

namespace flower::data {
struct Dataset;
}
namespace flower::text {
class PromptTemplate;
class Tokenizer;
}  // namespace flower::text

namespace flower::train {

struct Rq1Target;

text::VocabularyMap bigRecVocabulary(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
                                     const text::PromptTemplate& prompt, text::TokenId termination,
                                     std::span<const text::TokenId> specialIds = {});

text::VocabularyMap historyFreeVocabulary(const Rq1Target& target, const text::Tokenizer& tokenizer,
                                          const text::PromptTemplate& prompt,
                                          text::TokenId termination,
                                          std::span<const text::TokenId> specialIds = {});

}  // namespace flower::train
