#include "core/text/tokenizer.h"

#include "core/text/byte_level.h"
#include "core/text/json_access.h"
#include "core/text/tokenizer_json_scan.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <fstream>
#include <sstream>

namespace flower::text {

namespace ja = json_access;

Tokenizer::Tokenizer(std::string source, Normalizer normalizer, PreTokenizer preTokenizer,
                     BpeModel model, AddedVocabulary added, bool byteLevelDecoder)
    : source_(std::move(source)),
      normalizer_(std::move(normalizer)),
      preTokenizer_(std::move(preTokenizer)),
      model_(std::move(model)),
      added_(std::move(added)),
      byteLevelDecoder_(byteLevelDecoder) {
    idEnd_ = model_.idEnd();
    for (const auto& t : added_.tokens()) idEnd_ = std::max(idEnd_, t.id + 1);
}

Tokenizer Tokenizer::fromFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error({path.string(), 0, ""}, "cannot open the tokenizer file (run scripts/setup.sh "
                                            "to fetch the default one, or pass --tokenizer)");
    }
    // One read into a string of the file's size (11 MB for Qwen: the copies of a stringstream
    // showed in the start-up of `flower tokenize`).
    std::string text;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size > 0) {
        text.resize(static_cast<std::size_t>(size));
        in.seekg(0);
        in.read(text.data(), size);
        text.resize(static_cast<std::size_t>(in.gcount()));
    } else {
        in.clear();
        in.seekg(0);
        std::ostringstream all;
        all << in.rdbuf();
        text = all.str();
    }
    return fromJsonText(text, path.string());
}

Tokenizer Tokenizer::fromJsonText(const std::string& jsonText, const std::string& sourceName) {
    // The fast reading of the large members when the file has the plain shape, else the whole
    // document through nlohmann (tokenizer_json_scan.h): the same tokenizer either way.
    if (std::optional<TokenizerJsonParts> parts = scanTokenizerJson(jsonText)) {
        if (std::optional<Tokenizer> t = fromDocument(parts->document, sourceName, &*parts)) {
            return std::move(*t);
        }
        // A vocabulary key given twice: nlohmann, below, keeps its last value.
    }
    const nlohmann::json doc = ja::parse(jsonText, sourceName);
    return std::move(*fromDocument(doc, sourceName, nullptr));
}

std::optional<Tokenizer> Tokenizer::fromDocument(const nlohmann::json& doc,
                                                 const std::string& sourceName,
                                                 TokenizerJsonParts* parts) {
    if (!doc.is_object()) {
        throw Error({sourceName, 0, ""}, "expected a JSON object (a tokenizer.json)");
    }
    const auto& modelSpec = ja::member(doc, "model", sourceName, "");
    Normalizer normalizer =
        Normalizer::fromJson(doc.value("normalizer", nlohmann::json()), sourceName);
    PreTokenizer pre = PreTokenizer::fromJson(doc.value("pre_tokenizer", nlohmann::json()), sourceName);
    std::optional<BpeModel> model =
        parts ? BpeModel::fromParts(modelSpec, std::move(parts->vocab), parts->merges,
                                    pre.byteLevel(), sourceName)
              : std::optional<BpeModel>(BpeModel::fromJson(modelSpec, pre.byteLevel(), sourceName));
    if (!model) return std::nullopt;
    AddedVocabulary added =
        AddedVocabulary::fromJson(doc.value("added_tokens", nlohmann::json()), sourceName);

    bool byteLevelDecoder = false;
    const nlohmann::json decoder = doc.value("decoder", nlohmann::json());
    if (!decoder.is_null()) {
        const std::string type =
            ja::string(ja::member(decoder, "type", sourceName, "decoder"), sourceName, "decoder.type");
        if (type != "ByteLevel") {
            throw Error({sourceName, 0, "decoder.type"},
                        "unsupported decoder \"" + type + "\" (supported: ByteLevel or none)");
        }
        byteLevelDecoder = true;
    }
    if (pre.byteLevel() != byteLevelDecoder) {
        throw Error({sourceName, 0, "decoder"},
                    "a ByteLevel pre-tokenizer needs the ByteLevel decoder and vice versa");
    }
    return std::optional<Tokenizer>(Tokenizer(sourceName, std::move(normalizer), std::move(pre),
                                              std::move(*model), std::move(added), byteLevelDecoder));
}

void Tokenizer::encodeNormalized(std::string_view normalized, std::vector<TokenId>& out) const {
    std::vector<std::string_view> pieces;
    std::deque<std::string> storage;
    preTokenizer_.split(normalized, pieces, storage);
    for (const std::string_view piece : pieces) model_.encodePiece(piece, out);
}

// Ordinary text between non-normalized added tokens: normalise, then split on the added tokens
// that match normalised text, then pre-tokenise and merge.
void Tokenizer::encodeOrdinary(std::string_view text, std::vector<TokenId>& out) const {
    const std::string normalized = normalizer_.apply(text);
    if (!added_.hasNormalizedTokens()) {
        encodeNormalized(normalized, out);
        return;
    }
    std::vector<AddedVocabulary::Segment> segments;
    added_.split(normalized, true, segments);
    for (const auto& s : segments) {
        if (s.token) {
            out.push_back(*s.token);
        } else {
            encodeNormalized(s.text, out);
        }
    }
}

void Tokenizer::encodeInto(std::string_view text, std::vector<TokenId>& out) const {
    if (!isValidUtf8(text)) {
        std::size_t i = 0, bad = 0;
        while (i < text.size()) {
            const std::size_t before = i;
            if (nextCodePoint(text, i) == 0xFFFD && i - before == 1) {
                bad = before;
                break;
            }
        }
        throw Error("text to tokenize is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    }
    if (added_.empty()) {
        encodeOrdinary(text, out);
        return;
    }
    std::vector<AddedVocabulary::Segment> segments;
    added_.split(text, false, segments);
    for (const auto& s : segments) {
        if (s.token) {
            out.push_back(*s.token);
        } else {
            encodeOrdinary(s.text, out);
        }
    }
}

std::vector<TokenId> Tokenizer::encode(std::string_view text) const {
    std::vector<TokenId> ids;
    encodeInto(text, ids);
    return ids;
}

std::string Tokenizer::idToToken(TokenId id) const {
    if (const AddedToken* t = added_.find(id)) return t->content;
    const std::string& token = model_.idToToken(id);
    if (token.empty()) {
        throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + source_);
    }
    return token;
}

std::optional<TokenId> Tokenizer::tokenToId(std::string_view token) const {
    if (auto id = added_.idOf(token)) return id;
    return model_.tokenToId(token);
}

bool Tokenizer::isSpecial(TokenId id) const {
    const AddedToken* t = added_.find(id);
    return t != nullptr && t->special;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skipSpecial) const {
    std::string bytes;
    bool first = true;
    for (const TokenId id : ids) {
        const AddedToken* added = added_.find(id);
        if (added != nullptr && skipSpecial && added->special) continue;
        const std::string& token = added != nullptr ? added->content : model_.idToToken(id);
        if (added == nullptr && token.empty()) {
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + source_);
        }
        if (byteLevelDecoder_) {
            appendByteLevelToken(token, bytes);
        } else {
            // Without a decoder, tokenizers joins the tokens with spaces.
            if (!first) bytes += ' ';
            bytes += token;
        }
        first = false;
    }
    return byteLevelDecoder_ ? utf8Lossy(bytes) : bytes;
}

}  // namespace flower::text
