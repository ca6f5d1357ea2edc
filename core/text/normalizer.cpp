#include "core/text/normalizer.h"

#include "core/util/utf8.h"

#include "core/text/byte_level.h"
#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace flower::text {

namespace {

bool isAscii(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

std::string unicodeForm(std::string_view text, int options) {
    if (isAscii(text)) {
        return std::string(text);  // every Unicode form leaves ASCII unchanged
    }
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
        static_cast<utf8proc_ssize_t>(text.size()), &out,
        static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
    if (n < 0) {
        throw Error(std::string("text is not valid Unicode: ") + utf8proc_errmsg(n));
    }
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string lowercase(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t cp = nextCodePoint(text, i);
        util::appendUtf8(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))), out);
    }
    return out;
}

void collect(const nlohmann::json& spec, const std::string& file, const std::string& path,
             std::vector<Normalizer::Step>& steps) {
    if (spec.is_null()) return;
    const std::string type = json_access::string(json_access::member(spec, "type", file, path),
                                                 file, path + ".type");
    using S = Normalizer::Step;
    if (type == "NFC") {
        steps.push_back(S::Nfc);
    } else if (type == "NFD") {
        steps.push_back(S::Nfd);
    } else if (type == "NFKC") {
        steps.push_back(S::Nfkc);
    } else if (type == "NFKD") {
        steps.push_back(S::Nfkd);
    } else if (type == "Lowercase") {
        steps.push_back(S::Lowercase);
    } else if (type == "Sequence") {
        const auto& list = json_access::member(spec, "normalizers", file, path);
        if (!list.is_array()) {
            throw Error({file, 0, path + ".normalizers"}, "expected an array");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            collect(list[i], file, path + ".normalizers[" + std::to_string(i) + "]", steps);
        }
    } else {
        throw Error({file, 0, path + ".type"},
                    "unsupported normalizer \"" + type +
                        "\" (supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence)");
    }
}

}  // namespace

Normalizer Normalizer::fromJson(const nlohmann::json& spec, const std::string& file) {
    std::vector<Step> steps;
    collect(spec, file, "normalizer", steps);
    return Normalizer(std::move(steps));
}

std::string Normalizer::apply(std::string_view text) const {
    std::string out(text);
    for (const Step step : steps_) {
        switch (step) {
            case Step::Nfc: out = unicodeForm(out, UTF8PROC_COMPOSE); break;
            case Step::Nfd: out = unicodeForm(out, UTF8PROC_DECOMPOSE); break;
            case Step::Nfkc: out = unicodeForm(out, UTF8PROC_COMPOSE | UTF8PROC_COMPAT); break;
            case Step::Nfkd: out = unicodeForm(out, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT); break;
            case Step::Lowercase: out = lowercase(out); break;
        }
    }
    return out;
}

std::string toNfc(std::string_view text) { return unicodeForm(text, UTF8PROC_COMPOSE); }

bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t before = i;
        const char32_t cp = nextCodePoint(text, i);
        if (cp == 0xFFFD && i - before == 1) {
            // U+FFFD itself is 3 bytes long; a one-byte advance means an invalid sequence.
            return false;
        }
    }
    return true;
}

}  // namespace flower::text
