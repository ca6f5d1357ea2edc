// The `normalizer` of a Hugging Face tokenizer.json: Unicode forms (NFC, NFD, NFKC, NFKD, via
// utf8proc), Lowercase, and Sequence of these. Immutable after construction; thread-safe.
// Failure: an unsupported normalizer type is an Error at load time (naming the type); text that
// is not valid UTF-8 is an Error at normalize time.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

class Normalizer {
public:
    enum class Step { Nfc, Nfd, Nfkc, Nfkd, Lowercase };

    Normalizer() = default;  // the identity (a null normalizer)
    explicit Normalizer(std::vector<Step> steps) : steps_(std::move(steps)) {}

    // `spec` is the JSON value of "normalizer" (null allowed); `file` names it in errors.
    static Normalizer fromJson(const nlohmann::json& spec, const std::string& file);

    // Applies the steps in order. ASCII text under Unicode forms is returned unchanged quickly.
    std::string apply(std::string_view text) const;

    bool isIdentity() const { return steps_.empty(); }

private:
    std::vector<Step> steps_;
};

// NFC of valid UTF-8 (Error on invalid input).
std::string toNfc(std::string_view text);

// True when `text` is valid UTF-8.
bool isValidUtf8(std::string_view text);

}  // namespace flower::text
