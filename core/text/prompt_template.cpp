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
    return {Layout::BigRec, std::move(category), std::move(item)};
}

PromptTemplate PromptTemplate::shortLayout() { return {Layout::Short, "", ""}; }

PromptTemplate PromptTemplate::fromName(std::string_view layout, std::string category, std::string item) {
    if (layout == "bigrec") return bigRec(std::move(category), std::move(item));
    if (layout == "short") return shortLayout();
    throw Error({"", 0, "prompt"}, "unknown prompt layout \"" + std::string(layout) +
                                       "\" (expected bigrec or short)");
}

std::string PromptTemplate::instructionPart() const {
    if (layout_ == Layout::Short) return "";
    return "Below is an instruction that describes a task, paired with an input that provides "
           "further context. Write a response that appropriately completes the request. \n\n"
           "### Instruction:\nGiven a list of " +
           category_ + " the user recently enjoy, please write a new " + item_ +
           " that the user may bought\n\n";
}

std::string PromptTemplate::inputPart(std::span<const std::string> history) const {
    if (layout_ == Layout::Short) return "History: " + join(history, "; ") + "\nNext: ";
    return "### User Input: \nThe user has enjoyed the following " + category_ +
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
