#include "core/eval/predictions_file.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace flower::eval {

namespace {

using nlohmann::json;

std::string typeName(const json& j) {
    return j.is_null() ? "null" : std::string(j.type_name());
}

struct EntryReader {
    const std::string& file;
    std::size_t index;

    ErrorLocation at(const std::string& field) const {
        return {file, 0, field.empty() ? "entry " + std::to_string(index)
                                       : "\"" + field + "\" of entry " + std::to_string(index)};
    }
    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw Error(at(field), what);
    }
    std::string string(const json& j, const std::string& field) const {
        if (!j.is_string()) fail(field, "expected a string, got " + typeName(j));
        return j.get<std::string>();
    }
};

Prediction readEntry(const json& e, const EntryReader& r, std::size_t& expectedLength) {
    if (!e.is_object()) r.fail("", "expected an object {\"output\", \"predict\", ...}, got " + typeName(e));
    Prediction p;
    if (const auto it = e.find("input"); it != e.end()) p.input = r.string(*it, "input");
    const auto out = e.find("output");
    if (out == e.end()) r.fail("output", "missing (the target title)");
    if (out->is_array()) {
        if (out->empty()) r.fail("output", "expected a non-empty list (its first element is the target)");
        p.output = r.string((*out)[0], "output");
        p.outputIsList = true;
    } else {
        p.output = r.string(*out, "output");
    }
    const auto predict = e.find("predict");
    if (predict == e.end()) r.fail("predict", "missing (the list of recommended titles)");
    if (!predict->is_array()) r.fail("predict", "expected a list of titles, got " + typeName(*predict));
    if (predict->empty()) r.fail("predict", "expected a non-empty list of titles");
    if (expectedLength == 0) expectedLength = predict->size();
    if (predict->size() != expectedLength) {
        r.fail("predict", "expected " + std::to_string(expectedLength) + " titles (as " +
                              (r.index == 0 ? std::string("asked") : "entry 0 has") + "), got " +
                              std::to_string(predict->size()));
    }
    for (std::size_t i = 0; i < predict->size(); ++i) {
        const json& t = (*predict)[i];
        if (!t.is_string()) {
            r.fail("predict", "element " + std::to_string(i) + ": expected a title string, got " +
                                  typeName(t));
        }
        p.predict.push_back(t.get<std::string>());
    }
    if (const auto s = e.find("predict_score"); s != e.end()) {
        if (!s->is_array() || s->size() != p.predict.size()) {
            r.fail("predict_score", "expected a list of " + std::to_string(p.predict.size()) +
                                        " numbers (one per title), got " +
                                        (s->is_array() ? std::to_string(s->size()) + " elements"
                                                       : typeName(*s)));
        }
        for (std::size_t i = 0; i < s->size(); ++i) {
            if (!(*s)[i].is_number()) {
                r.fail("predict_score", "element " + std::to_string(i) +
                                            ": expected a number, got " + typeName((*s)[i]));
            }
            p.predictScore.push_back((*s)[i].get<double>());
        }
    }
    return p;
}

}  // namespace

PredictionsFile PredictionsFile::parse(const std::string& text, const std::string& displayName,
                                       std::size_t expectedLength) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        // nlohmann's message carries the line and column of the syntax error.
        throw Error({displayName, 0, ""}, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_array()) {
        throw Error({displayName, 0, ""},
                    "expected a list of entries [{\"output\", \"predict\", ...}], got " + typeName(j));
    }
    if (j.empty()) throw Error({displayName, 0, ""}, "the list of entries is empty");
    std::vector<Prediction> rows;
    rows.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        rows.push_back(readEntry(j[i], EntryReader{displayName, i}, expectedLength));
    }
    return PredictionsFile(std::move(rows));
}

PredictionsFile PredictionsFile::read(const std::filesystem::path& path, std::size_t expectedLength) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error({path.string(), 0, ""}, "cannot open the predictions file");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(text, path.string(), expectedLength);
}

std::string PredictionsFile::dump() const {
    json out = json::array();
    for (const Prediction& p : rows_) {
        json e = json::object();
        e["input"] = p.input;
        e["output"] = p.outputIsList ? json::array({p.output}) : json(p.output);
        e["predict"] = p.predict;
        if (!p.predictScore.empty()) e["predict_score"] = p.predictScore;
        out.push_back(std::move(e));
    }
    return out.dump(1) + "\n";
}

void PredictionsFile::write(const std::filesystem::path& path) const {
    const std::string text = dump();
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error({path.string(), 0, ""}, "cannot open for writing");
        out << text;
        out.flush();
        if (!out) {
            out.close();
            std::filesystem::remove(tmp);
            throw Error({path.string(), 0, ""}, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Error({path.string(), 0, ""}, "cannot rename the temporary file");
    }
}

}  // namespace flower::eval
