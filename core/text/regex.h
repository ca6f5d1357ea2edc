// A compiled PCRE2 pattern in UTF + Unicode-property mode (\p{L}, \s, case-insensitive groups
// behave as in Hugging Face tokenizers), JIT-compiled when the library supports it. Immutable
// and shareable across threads (match data is per call). Failure: a pattern PCRE2 rejects is an
// Error naming the offset; matching assumes valid UTF-8 (callers validate first).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace flower::text {

class Regex {
public:
    // `literal`: match `pattern` as plain text (the tokenizer.json {"String": ...} form).
    // `where` names the field in errors.
    Regex(const std::string& pattern, bool literal, const std::string& where);
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // Calls `onMatch(begin, end)` (byte offsets into `subject`) for each non-empty match, left
    // to right, non-overlapping, in the manner of a global find-all.
    void forEachMatch(std::string_view subject,
                      const std::function<void(std::size_t, std::size_t)>& onMatch) const;

    bool jitCompiled() const { return jit_; }
    const std::string& pattern() const { return pattern_; }

private:
    std::string pattern_;
    void* code_ = nullptr;  // pcre2_code_8*
    bool jit_ = false;
};

}  // namespace flower::text
