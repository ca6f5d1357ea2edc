#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/text/regex.h"

#include "core/util/error.h"

#include <pcre2.h>

namespace flower::text {

namespace {
pcre2_code* asCode(void* code) { return static_cast<pcre2_code*>(code); }

struct MatchData {
    explicit MatchData(pcre2_code* code) : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
    ~MatchData() { pcre2_match_data_free(data); }
    MatchData(const MatchData&) = delete;
    MatchData& operator=(const MatchData&) = delete;
    pcre2_match_data* data;
};
}  // namespace

Regex::Regex(const std::string& pattern, bool literal, const std::string& where)
    : pattern_(pattern) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    // PCRE2_LITERAL allows no UCP (nor needs it).
    const uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     options, &errorCode, &errorOffset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof message);
        throw Error({"", 0, where}, "regular expression rejected at offset " +
                                        std::to_string(errorOffset) + ": " +
                                        reinterpret_cast<const char*>(message));
    }
    code_ = code;
    // JIT is an optimisation only: without it (a platform PCRE2 lacks it for) matching is slower
    // but identical.
    jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() { pcre2_code_free(asCode(code_)); }

void Regex::forEachMatch(std::string_view subject,
                         const std::function<void(std::size_t, std::size_t)>& onMatch) const {
    pcre2_code* code = asCode(code_);
    MatchData match(code);
    const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
    std::size_t offset = 0;
    while (offset < subject.size()) {
        const int rc = jit_ ? pcre2_jit_match(code, text, subject.size(), offset, 0, match.data, nullptr)
                            : pcre2_match(code, text, subject.size(), offset, PCRE2_NO_UTF_CHECK,
                                          match.data, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) {
            return;
        }
        if (rc < 0) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(rc, message, sizeof message);
            throw Error(std::string("regular expression failed while matching: ") +
                        reinterpret_cast<const char*>(message));
        }
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
        const std::size_t begin = ovector[0], end = ovector[1];
        if (end > begin) {
            onMatch(begin, end);
            offset = end;
        } else {
            // An empty match yields no piece; step over one whole UTF-8 character.
            offset = begin + 1;
            while (offset < subject.size() &&
                   (static_cast<unsigned char>(subject[offset]) & 0xC0) == 0x80) {
                ++offset;
            }
        }
    }
}

}  // namespace flower::text
