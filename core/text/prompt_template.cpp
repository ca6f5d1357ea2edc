#include "core/text/prompt_template.h"

#include "core/text/tokenizer.h"
#include "core/util/error.h"

namespace flower::text {

namespace {
std::string join(std::span<const std::string> parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += separator;
        out += parts[i];
    }
    return out;
}
}  // namespace

PromptTemplate PromptTemplate::bigRec(std::string category, std::string item) {
    std::string history = category;
    return {Layout::BigRec, std::move(category), std::move(item), std::move(history)};
}

PromptTemplate PromptTemplate::bigRec(const CategoryWords& words) {
    return {Layout::BigRec, words.list, words.item, words.history};
}

PromptTemplate PromptTemplate::shortLayout() { return {Layout::Short, "", "", ""}; }

PromptTemplate PromptTemplate::historyFree(std::string item) {
    return {Layout::HistoryFree, "", std::move(item), ""};
}

std::string PromptTemplate::layoutName() const {
    switch (layout_) {
    case Layout::BigRec: return "bigrec";
    case Layout::Short: return "short";
    case Layout::HistoryFree: return "history_free";
    }
    return "";
}

PromptTemplate PromptTemplate::fromName(std::string_view layout, std::string category, std::string item) {
    if (layout == "bigrec") return bigRec(std::move(category), std::move(item));
    if (layout == "short") return shortLayout();
    if (layout == "history_free") return historyFree(std::move(item));
    throw Error({"", 0, "prompt"}, "unknown prompt layout \"" + std::string(layout) +
                                       "\" (expected bigrec, short or history_free)");
}

PromptTemplate PromptTemplate::fromName(std::string_view layout, const CategoryWords& words) {
    if (layout == "bigrec") return bigRec(words);
    return fromName(layout, words.list, words.item);
}

std::string PromptTemplate::instructionPart() const {
    if (layout_ == Layout::Short) return "";
    if (layout_ == Layout::HistoryFree) {
        // No space after "Response:" here, unlike the BIGRec layout (the reference's GFN prompt).
        return "Below is an instruction that describes a task. Write a response that "
               "appropriately completes the request.\n### Instruction:\nPlease recommend a " +
               item_ + " to the user. Directly output the title of the " + item_ +
               ".\n### Response:\n";
    }
    return "Below is an instruction that describes a task, paired with an input that provides "
           "further context. Write a response that appropriately completes the request. \n\n"
           "### Instruction:\nGiven a list of " +
           category_ + " the user recently enjoy, please write a new " + item_ +
           " that the user may bought\n\n";
}

std::string PromptTemplate::inputPart(std::span<const std::string> history) const {
    if (layout_ == Layout::HistoryFree) return "";
    if (layout_ == Layout::Short) return "History: " + join(history, "; ") + "\nNext: ";
    return "### User Input: \nThe user has enjoyed the following " + history_ +
           " before: " + join(history, ", ") + "\n\n### Response: \n";
}

std::string PromptTemplate::render(std::span<const std::string> history) const {
    return instructionPart() + inputPart(history);
}

std::vector<TokenId> PromptTemplate::targetTokens(const Tokenizer& tokenizer, std::string_view title,
                                                  TokenId termination) {
    std::vector<TokenId> ids = tokenizer.encode(title);
    ids.push_back(termination);
    return ids;
}

}  // namespace flower::text
