#include "core/train/rq1_target.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/synthetic_catalog.h"
#include "core/run/resource_locator.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace flower::train {

double Rq1Target::total() const {
    double s = 0.0;
    for (double c : counts) s += c;
    return s;
}

Rq1Target readRq1Target(const std::filesystem::path& file) {
    const std::string name = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error({name, 0, ""}, "cannot open the RQ1 target file");
    std::ostringstream text;
    text << in.rdbuf();
    // nlohmann keeps the last of two equal keys silently; a callback sees every key.
    std::unordered_set<std::string> seen;
    std::string duplicate;
    const auto onEvent = [&](int depth, nlohmann::ordered_json::parse_event_t event,
                             nlohmann::ordered_json& parsed) {
        if (event == nlohmann::ordered_json::parse_event_t::key && depth == 1 &&
            !seen.insert(parsed.get<std::string>()).second && duplicate.empty()) {
            duplicate = parsed.get<std::string>();
        }
        return true;
    };
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(text.str(), onEvent);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error({name, 0, ""}, std::string("invalid JSON: ") + e.what());
    }
    if (!doc.is_object()) {
        throw Error({name, 0, ""}, std::string("expected an object {title: count}, found ") +
                                       doc.type_name());
    }
    if (!duplicate.empty()) {
        throw Error({name, 0, "\"" + duplicate + "\""}, "title given twice");
    }
    if (doc.empty()) throw Error({name, 0, ""}, "expected at least one title, found {}");
    Rq1Target t;
    t.source = name;
    for (const auto& [title, value] : doc.items()) {
        const std::string field = "\"" + title + "\"";
        if (title.empty()) throw Error({name, 0, field}, "empty title");
        if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0) {
            throw Error({name, 0, field}, "expected a count > 0, found " + value.dump());
        }
        t.titles.push_back(title);
        t.counts.push_back(value.get<double>());
    }
    return t;
}

Rq1Target rq1TargetFromHistories(const data::Dataset& dataset) {
    const data::Popularity popularity(dataset.catalog, dataset.train);
    Rq1Target t;
    t.source = "training histories";
    t.titles = popularity.titles();
    for (std::int64_t c : popularity.counts()) t.counts.push_back(static_cast<double>(c));
    if (t.titles.empty()) {
        throw Error({"", 0, "rq1_target"}, "the training histories are empty: no target titles");
    }
    return t;
}

Rq1Target resolveRq1Target(const std::string& field, const std::filesystem::path& datasetDir,
                           const data::Dataset* dataset) {
    if (field.empty()) {
        if (!dataset) {
            throw Error({"", 0, "rq1_target"}, "empty (= the dataset's training-history counts), "
                                               "but no dataset with a train split is loaded");
        }
        return rq1TargetFromHistories(*dataset);
    }
    const std::filesystem::path p(field);
    if (p.is_absolute()) return readRq1Target(p);
    if (datasetDir.empty()) {
        throw Error({"", 0, "rq1_target"},
                    "\"" + field + "\" is relative to the dataset folder, but the dataset is "
                    "synthetic (no folder); leave rq1_target empty to fit its training-history "
                    "counts");
    }
    return readRq1Target(datasetDir / p);
}

std::vector<std::vector<text::TokenId>> rq1TitleTokens(const Rq1Target& target,
                                                       const text::Tokenizer& tokenizer) {
    std::vector<std::vector<text::TokenId>> out;
    out.reserve(target.size());
    for (const auto& title : target.titles) out.push_back(tokenizer.encode(title));
    return out;
}

Rq1Target configuredRq1Target(const std::string& datasetSpec, const std::string& field,
                              data::Dataset& dataset) {
    if (run::isSyntheticSpec(datasetSpec)) {
        dataset = data::generateSynthetic(run::parseSyntheticSpec(datasetSpec)).dataset;
        return resolveRq1Target(field, {}, &dataset);
    }
    const std::filesystem::path dir = run::resolveDatasetDir(datasetSpec);
    if (!field.empty()) return resolveRq1Target(field, dir, nullptr);
    dataset = data::loadDataset(dir);
    return resolveRq1Target(field, dir, &dataset);
}

}  // namespace flower::train
