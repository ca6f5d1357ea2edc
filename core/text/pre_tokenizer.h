// The `pre_tokenizer` of a Hugging Face tokenizer.json: splits normalised text into the pieces
// that BPE merges within. Supports Split (regex or literal string; behaviours Removed, Isolated,
// MergedWithPrevious, MergedWithNext, Contiguous; invert), ByteLevel (add_prefix_space,
// use_regex with GPT-2's pattern) and Sequence. ByteLevel must come last: its byte-to-character
// mapping is then done by the BPE model directly on the raw bytes of each piece.
// Immutable after construction and thread-safe. Failure: an unsupported type or behaviour, or a
// bad regex, is an Error at load time naming the field.
#pragma once

#include "core/text/regex.h"

#include <nlohmann/json_fwd.hpp>

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

class PreTokenizer {
public:
    enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

    PreTokenizer() = default;  // no splitting: the whole text is one piece

    static PreTokenizer fromJson(const nlohmann::json& spec, const std::string& file);

    // Splits `text` into non-empty pieces, in order. Pieces view `text` or strings held in
    // `storage` (ByteLevel's prefix space creates new strings); both must outlive the pieces.
    void split(std::string_view text, std::vector<std::string_view>& pieces,
               std::deque<std::string>& storage) const;

    // True when the pipeline ends in ByteLevel: pieces are raw bytes for byte-level BPE.
    bool byteLevel() const { return byteLevel_; }

private:
    struct Step {
        std::shared_ptr<const Regex> regex;  // null for ByteLevel without its regex
        Behavior behavior = Behavior::Isolated;
        bool invert = false;
        bool byteLevel = false;       // a ByteLevel step
        bool addPrefixSpace = false;  // ByteLevel only
    };
    static void collect(const nlohmann::json& spec, const std::string& file,
                        const std::string& path, PreTokenizer& out);
    static void applySplit(const Step& step, std::string_view piece,
                           std::vector<std::string_view>& out);

    std::vector<Step> steps_;
    bool byteLevel_ = false;
};

}  // namespace flower::text
