#include "core/prepare/prepare_amazon.h"

#include "core/prepare/amazon_raw.h"
#include "core/prepare/dataset_files.h"
#include "core/prepare/interaction_rows.h"
#include "core/prepare/title_interactions.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"
#include "flower/build_info.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace flower::prepare {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Json fileJson(const InputFile& f) {
    Json bad = {{"malformed_json", f.bad.malformedJson},
                {"missing_field", f.bad.missingField},
                {"wrong_type", f.bad.wrongType}};
    if (!f.bad.first.empty()) bad["first"] = f.bad.first;
    return {{"path", f.path},          {"bytes", f.bytes}, {"gzip", f.gzipped},
            {"uncompressed_bytes", f.textBytes}, {"sha256", f.sha256}, {"lines", f.lines},
            {"skipped_lines", bad}};
}

// The temporary folder beside `out`, removed unless release() is called.
class StagingFolder {
public:
    explicit StagingFolder(const fs::path& out)
        : path_(out.parent_path() / (out.filename().string() + ".partial-" + std::to_string(::getpid()))) {
        std::error_code ec;
        util::removeTree(path_, ec);
        fs::create_directories(path_, ec);
        if (ec) throw Error({path_.string(), 0, ""}, "cannot create the folder: " + ec.message());
    }
    ~StagingFolder() {
        if (!released_) {
            std::error_code ec;
            util::removeTree(path_, ec);
        }
    }
    const fs::path& path() const { return path_; }
    void release() { released_ = true; }

private:
    fs::path path_;
    bool released_ = false;
};

}  // namespace

PrepareSummary prepareAmazon(const PrepareOptions& o, const PrepareProgressFn& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (o.out.empty()) throw Error({"", 0, "out"}, "expected an output folder");
    const fs::path out = fs::absolute(fs::path(o.out)).lexically_normal();
    {
        std::error_code ec;
        if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec))) {
            throw Error({out.string(), 0, "out"},
                        "already exists and is not an empty folder: remove it or choose another --out");
        }
    }
    if (o.groups < 1) throw Error({"", 0, "groups"}, "expected at least one group");
    const auto report = [&](const char* stage, std::uint64_t done, std::uint64_t total) {
        if (progress && !progress({stage, done, total})) throw Error("cancelled");
        return true;
    };

    const MetaTable meta = readMeta(o.meta, o.strict, [&](std::uint64_t d, std::uint64_t t) {
        return report("meta", d, t);
    });
    const ReviewTable reviews = readReviews(o.reviews, meta, o.strict, [&](std::uint64_t d, std::uint64_t t) {
        return report("reviews", d, t);
    });
    report("filter", 0, 0);
    const CoreResult core = selectCore(meta, reviews, o.core);
    const InteractionRows rows = buildRows(reviews, core, o.maxHistory);
    if (rows.rows.empty()) {
        throw Error("the " + std::to_string(o.core.k) + "-core holds no user with two reviews: no rows to write");
    }
    report("write", 0, 0);

    StagingFolder staging(out);
    TitleInteractions interactions;
    const WrittenRows written =
        writeDatasetFiles(staging.path().string(), meta, reviews, core, rows, interactions);
    writeTextFile((staging.path() / "reference_title_interaction.json").string(), interactions.interactionJson());
    // Fewer titles than groups leave the last groups empty ("7": []), as the notebook does.
    writeTextFile((staging.path() / ("reference_group_title_" + std::to_string(o.groups) + ".json")).string(),
                  interactions.groupJson(o.groups));

    Json rounds = Json::array();
    for (const CoreRound& r : core.rounds) {
        Json passes = Json::array();
        for (const CorePass& p : r.passes) passes.push_back({{"users", p.users}, {"items", p.items}, {"reviews", p.reviews}});
        rounds.push_back({{"start", r.start.text()}, {"titled_items", r.titledItems},
                          {"window_reviews", r.windowReviews}, {"kcore_passes", passes},
                          {"too_few_items", r.widened}});
    }
    std::int64_t skipped = meta.file.bad.total() + reviews.file.bad.total();
    Json manifest;
    manifest["format"] = "flower-prepare-amazon/1";
    manifest["code_version"] = std::string(build::kVersion) + " (" + build::kGitCommit + ")";
    manifest["arguments"] = {{"reviews", o.reviews},
                             {"meta", o.meta},
                             {"category", o.category},
                             {"out", o.out},
                             {"start", o.core.start.text()},
                             {"end", o.core.end.text()},
                             {"k", o.core.k},
                             {"min_items", o.core.minItems},
                             {"max_history", o.maxHistory},
                             {"groups", o.groups},
                             {"strict", o.strict},
                             {"seed", 42}};
    manifest["window"] = {{"start", core.start.text()}, {"end", o.core.end.text()},
                          {"start_unix", core.start.startUtc()}, {"end_unix", o.core.end.startUtc()},
                          {"time_zone", "UTC"}, {"widened_years", static_cast<int>(core.rounds.size()) - 1}};
    manifest["inputs"] = {{"meta", fileJson(meta.file)}, {"reviews", fileJson(reviews.file)}};
    manifest["counts"] = {
        {"meta_records", meta.records.size()},
        {"meta_asins", meta.asins.size()},
        {"reviews_read", reviews.reviews.size() + static_cast<std::size_t>(reviews.withoutTitle)},
        {"reviews_without_titled_meta", reviews.withoutTitle},
        {"reviews_of_titled_items", reviews.reviews.size()},
        {"rounds", rounds},
        {"kept_reviews", core.reviews.size()},
        {"kept_users", rows.users},
        {"kept_items", core.items.size()},
        {"rows", rows.rows.size()},
        {"train", written.train},
        {"valid", written.valid},
        {"test", written.test},
        {"train_history_titles", interactions.entries().size()},
        {"skipped_lines", skipped}};
    manifest["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string manifestText = manifest.dump(2) + "\n";
    writeTextFile((staging.path() / "prepare.json").string(), manifestText);

    std::error_code ec;
    if (fs::exists(out, ec)) fs::remove(out, ec);  // an empty folder (checked above)
    fs::rename(staging.path(), out, ec);
    if (ec) throw Error({out.string(), 0, "out"}, "cannot move the prepared folder into place: " + ec.message());
    staging.release();

    PrepareSummary s;
    s.out = out.string();
    s.start = core.start.text();
    s.end = o.core.end.text();
    s.items = static_cast<std::int64_t>(core.items.size());
    s.users = rows.users;
    s.train = written.train;
    s.valid = written.valid;
    s.test = written.test;
    s.skippedLines = skipped;
    s.manifest = manifestText;
    return s;
}

}  // namespace flower::prepare
