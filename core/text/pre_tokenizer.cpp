#include "core/text/pre_tokenizer.h"

#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <utility>

namespace flower::text {

namespace {

// GPT-2's pre-tokenisation pattern, used by ByteLevel when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

PreTokenizer::Behavior parseBehavior(const std::string& name, const std::string& file,
                                     const std::string& field) {
    using B = PreTokenizer::Behavior;
    if (name == "Removed") return B::Removed;
    if (name == "Isolated") return B::Isolated;
    if (name == "MergedWithPrevious") return B::MergedWithPrevious;
    if (name == "MergedWithNext") return B::MergedWithNext;
    if (name == "Contiguous") return B::Contiguous;
    throw Error({file, 0, field}, "unknown split behavior \"" + name +
                                      "\" (expected Removed, Isolated, MergedWithPrevious, "
                                      "MergedWithNext or Contiguous)");
}

struct Span {
    std::size_t begin, end;
    bool isMatch;
};

}  // namespace

void PreTokenizer::collect(const nlohmann::json& spec, const std::string& file,
                           const std::string& path, PreTokenizer& out) {
    if (spec.is_null()) return;
    namespace ja = json_access;
    const std::string type = ja::string(ja::member(spec, "type", file, path), file, path + ".type");
    if (out.byteLevel_) {
        throw Error({file, 0, path}, "pre-tokenizer \"" + type +
                                         "\" after ByteLevel is not supported (ByteLevel must be last)");
    }
    if (type == "Sequence") {
        const auto& list = ja::member(spec, "pretokenizers", file, path);
        if (!list.is_array()) throw Error({file, 0, path + ".pretokenizers"}, "expected an array");
        for (std::size_t i = 0; i < list.size(); ++i) {
            collect(list[i], file, path + ".pretokenizers[" + std::to_string(i) + "]", out);
        }
    } else if (type == "Split") {
        const auto& pattern = ja::member(spec, "pattern", file, path);
        Step step;
        if (pattern.is_object() && pattern.contains("Regex")) {
            step.regex = std::make_shared<const Regex>(
                ja::string(pattern["Regex"], file, path + ".pattern.Regex"), false,
                path + ".pattern.Regex");
        } else if (pattern.is_object() && pattern.contains("String")) {
            step.regex = std::make_shared<const Regex>(
                ja::string(pattern["String"], file, path + ".pattern.String"), true,
                path + ".pattern.String");
        } else {
            throw Error({file, 0, path + ".pattern"}, "expected {\"Regex\": ...} or {\"String\": ...}");
        }
        step.behavior = parseBehavior(
            ja::string(ja::member(spec, "behavior", file, path), file, path + ".behavior"), file,
            path + ".behavior");
        step.invert = ja::optionalBool(spec, "invert", false, file, path);
        out.steps_.push_back(std::move(step));
    } else if (type == "ByteLevel") {
        Step step;
        step.byteLevel = true;
        step.addPrefixSpace = ja::optionalBool(spec, "add_prefix_space", true, file, path);
        if (ja::optionalBool(spec, "use_regex", true, file, path)) {
            static const auto gpt2 = std::make_shared<const Regex>(kGpt2Pattern, false, "ByteLevel");
            step.regex = gpt2;
        }
        out.steps_.push_back(std::move(step));
        out.byteLevel_ = true;
    } else {
        throw Error({file, 0, path + ".type"},
                    "unsupported pre-tokenizer \"" + type + "\" (supported: Split, ByteLevel, Sequence)");
    }
}

PreTokenizer PreTokenizer::fromJson(const nlohmann::json& spec, const std::string& file) {
    PreTokenizer out;
    collect(spec, file, "pre_tokenizer", out);
    return out;
}

// Hugging Face's Split: the piece becomes a list of (span, is_match) covering it, which the
// behaviour then merges or drops.
void PreTokenizer::applySplit(const Step& step, std::string_view piece,
                              std::vector<std::string_view>& out) {
    std::vector<Span> spans;
    std::size_t last = 0;
    step.regex->forEachMatch(piece, [&](std::size_t b, std::size_t e) {
        if (b > last) spans.push_back({last, b, false});
        spans.push_back({b, e, true});
        last = e;
    });
    if (last < piece.size()) spans.push_back({last, piece.size(), false});
    if (step.invert) {
        for (auto& s : spans) s.isMatch = !s.isMatch;
    }
    std::vector<Span> merged;
    bool previousMatch = false;
    switch (step.behavior) {
        case Behavior::Isolated: merged = std::move(spans); break;
        case Behavior::Removed:
            for (const auto& s : spans) {
                if (!s.isMatch) merged.push_back(s);
            }
            break;
        case Behavior::MergedWithPrevious:
            for (const auto& s : spans) {
                if (s.isMatch && !previousMatch && !merged.empty()) {
                    merged.back().end = s.end;
                } else {
                    merged.push_back(s);
                }
                previousMatch = s.isMatch;
            }
            break;
        case Behavior::MergedWithNext:
            for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
                if (it->isMatch && !previousMatch && !merged.empty()) {
                    merged.back().begin = it->begin;
                } else {
                    merged.push_back(*it);
                }
                previousMatch = it->isMatch;
            }
            std::reverse(merged.begin(), merged.end());
            break;
        case Behavior::Contiguous:
            for (const auto& s : spans) {
                if (s.isMatch == previousMatch && !merged.empty()) {
                    merged.back().end = s.end;
                } else {
                    merged.push_back(s);
                }
                previousMatch = s.isMatch;
            }
            break;
    }
    for (const auto& s : merged) {
        if (s.end > s.begin) out.push_back(piece.substr(s.begin, s.end - s.begin));
    }
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces,
                         std::deque<std::string>& storage) const {
    pieces.clear();
    if (!text.empty()) pieces.push_back(text);
    std::vector<std::string_view> next;
    for (const Step& step : steps_) {
        next.clear();
        for (const std::string_view piece : pieces) {
            std::string_view current = piece;
            if (step.byteLevel && step.addPrefixSpace && current.front() != ' ') {
                std::string& spaced = storage.emplace_back();
                spaced.reserve(current.size() + 1);
                spaced.push_back(' ');
                spaced.append(current);
                current = spaced;
            }
            if (step.regex) {
                applySplit(step, current, next);
            } else {
                next.push_back(current);
            }
        }
        pieces.swap(next);
    }
}

}  // namespace flower::text
