// PromptTemplate: the text a recommender LLM reads before it writes a title, and the target it
// learns to write. Two layouts:
//   "bigrec" — BIGRec's instruction layout, as the Flower/D3 reference builds it:
//     Below is an instruction that describes a task, paired with an input that provides further
//     context. Write a response that appropriately completes the request. \n\n### Instruction:\n
//     Given a list of {category} the user recently enjoy, please write a new {item} that the user
//     may bought\n\n### User Input: \nThe user has enjoyed the following {history noun} before:
//     {history joined by ", "}\n\n### Response: \n
//   "short"  — for tiny models: "History: {history joined by "; "}\nNext: "
//   "history_free" — the paper's RQ1 fixed prompt, as the reference's without_history/gfn
//     (lightning_data.py generate_prompt, category "movie") writes it; the history is ignored:
//     Below is an instruction that describes a task. Write a response that appropriately
//     completes the request.\n### Instruction:\nPlease recommend a {item} to the user. Directly
//     output the title of the {item}.\n### Response:\n
//     (The reference's SFT baseline, train_sft.py, uses "a movies" and "### Response: \n" with a
//     space; we use the GFN prompt for every method so that SFT and Flower see the same prompt.)
// The target is the title followed by the termination token. Note: targetTokens() tokenizes the
// title alone and appends the termination id — the path in the TitleTrie. Tokenizing title+"\n"
// as one text differs for titles ending in punctuation (")\n" is one Qwen token, 340).
// Value type, copyable, thread-safe. Failure: an unknown layout name is a flower::Error.
#pragma once

#include "core/text/category_words.h"
#include "core/text/token_id.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

class Tokenizer;

class PromptTemplate {
public:
    enum class Layout { BigRec, Short, HistoryFree };

    // `category`: plural noun ("movies"), `item`: singular ("movie"); the input names the
    // history with `category` too.
    static PromptTemplate bigRec(std::string category = "movies", std::string item = "movie");
    // The words of a dataset (category_words.h: categoryWordsFor).
    static PromptTemplate bigRec(const CategoryWords& words);
    static PromptTemplate shortLayout();
    static PromptTemplate historyFree(std::string item = "movie");
    // "bigrec", "short" or "history_free".
    static PromptTemplate fromName(std::string_view layout, std::string category = "movies",
                                   std::string item = "movie");
    // bigrec with `words`; history_free uses words.item.
    static PromptTemplate fromName(std::string_view layout, const CategoryWords& words);

    Layout layout() const { return layout_; }
    std::string layoutName() const;

    // The whole prompt, ending where the model starts writing the title.
    std::string render(std::span<const std::string> history) const;
    // BIGRec's reference tokenizes these two parts separately and concatenates the ids;
    // render() == instructionPart() + inputPart(history). history_free: the whole prompt is the
    // instruction part, the input part is empty.
    std::string instructionPart() const;
    std::string inputPart(std::span<const std::string> history) const;

    // Title tokens (tokenized alone) + termination: what the policy must generate.
    static std::vector<TokenId> targetTokens(const Tokenizer& tokenizer, std::string_view title,
                                             TokenId termination);

private:
    PromptTemplate(Layout layout, std::string category, std::string item, std::string history)
        : layout_(layout), category_(std::move(category)), item_(std::move(item)),
          history_(std::move(history)) {}
    Layout layout_;
    std::string category_;
    std::string item_;
    std::string history_;  // the input's noun for the history
};

}  // namespace flower::text
