#include "core/train/corpus_vocabulary.h"

#include "core/data/dataset.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"

#include <string>
#include <vector>

namespace flower::train {

namespace {

text::VocabularyMap::Builder startBuilder(const text::Tokenizer& tokenizer, text::TokenId termination,
                                          std::span<const text::TokenId> specialIds) {
    text::VocabularyMap::Builder builder(tokenizer.idEnd());
    const auto check = [&](text::TokenId id, const std::string& what) {
        if (id < 0 || id >= tokenizer.idEnd()) {
            throw Error({"", 0, what}, "token id " + std::to_string(id) +
                                           " is outside the tokenizer's range [0, " +
                                           std::to_string(tokenizer.idEnd()) + ")");
        }
        builder.add(id);
    };
    check(termination, "termination");
    for (text::TokenId id : specialIds) check(id, "special ids");
    return builder;
}

}  // namespace

text::VocabularyMap bigRecVocabulary(const data::Dataset& dataset, const text::Tokenizer& tokenizer,
                                     const text::PromptTemplate& prompt, text::TokenId termination,
                                     std::span<const text::TokenId> specialIds) {
    auto builder = startBuilder(tokenizer, termination, specialIds);
    std::vector<text::TokenId> ids;
    for (const auto& title : dataset.catalog.titles()) {
        ids.clear();
        tokenizer.encodeInto(title, ids);
        builder.add(ids);
    }
    ids.clear();
    tokenizer.encodeInto(prompt.instructionPart(), ids);
    builder.add(ids);
    std::vector<std::string> history;
    for (const auto* split : {&dataset.train, &dataset.valid, &dataset.test}) {
        for (const auto& row : split->rows()) {
            history.clear();
            for (auto id : row.history) history.push_back(dataset.catalog.title(id));
            ids.clear();
            tokenizer.encodeInto(prompt.inputPart(history), ids);
            builder.add(ids);
        }
    }
    return builder.build();
}

text::VocabularyMap historyFreeVocabulary(const Rq1Target& target, const text::Tokenizer& tokenizer,
                                          const text::PromptTemplate& prompt,
                                          text::TokenId termination,
                                          std::span<const text::TokenId> specialIds) {
    auto builder = startBuilder(tokenizer, termination, specialIds);
    builder.add(tokenizer.encode(prompt.render({})));
    for (const auto& title : target.titles) builder.add(tokenizer.encode(title));
    return builder.build();
}

}  // namespace flower::train
