// `flower prepare-amazon` (raw Amazon 2018 dumps → a dataset folder, core/prepare) and
// `flower synth-amazon` (synthetic dumps in the same format). Both run in the program itself:
// core/prepare needs no LibTorch, so nothing heavy is loaded (app/CMakeLists.txt).
#include "command.h"

#include "core/prepare/prepare_amazon.h"
#include "core/prepare/synthetic_raw_amazon.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

namespace {

using flower::prepare::Month;

// Bytes read of the current file: a redrawn bar on a terminal (at most 10 times a second),
// one line per stage otherwise — the conventions of ProgressLine (progress_line.h).
class ByteProgress {
public:
    explicit ByteProgress(std::FILE* out) : out_(out), terminal_(::isatty(::fileno(out)) != 0) {}

    bool operator()(const flower::prepare::PrepareProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (p.stage != stage_) {
            endBar();
            stage_ = p.stage;
            stageStart_ = now;
            if (!terminal_) std::fprintf(out_, "%s …\n", label(p.stage));
        }
        if (!terminal_ || (now - lastDraw_ < std::chrono::milliseconds(100) && p.done < p.total)) return true;
        lastDraw_ = now;
        constexpr int kWidth = 24;
        const double fraction = p.total > 0 ? std::min(1.0, static_cast<double>(p.done) / p.total) : 0.0;
        const int filled = static_cast<int>(fraction * kWidth);
        const double seconds = std::chrono::duration<double>(now - stageStart_).count();
        std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                          std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] ";
        char text[160];
        if (p.total > 0) {
            std::snprintf(text, sizeof text, "%s  %.0f / %.0f MB  %.0f MB/s", label(p.stage), p.done / 1e6,
                          p.total / 1e6, seconds > 0 ? p.done / 1e6 / seconds : 0.0);
        } else {
            std::snprintf(text, sizeof text, "%s", label(p.stage));
        }
        std::fprintf(out_, "\r\033[2K%s%s", bar.c_str(), text);
        std::fflush(out_);
        shown_ = true;
        return true;
    }
    void endBar() {
        if (shown_) std::fputs("\n", out_);
        shown_ = false;
        std::fflush(out_);
    }

private:
    static const char* label(const std::string& stage) {
        if (stage == "meta") return "reading meta";
        if (stage == "reviews") return "reading reviews";
        if (stage == "filter") return "window, titles, K-core, sequences";
        return "writing the dataset";
    }
    std::FILE* out_;
    bool terminal_;
    bool shown_ = false;
    std::string stage_;
    std::chrono::steady_clock::time_point stageStart_{}, lastDraw_{};
};

struct PrepareCli {
    flower::prepare::PrepareOptions options;
    std::string start = "2017-10", end = "2018-11";
    std::string strict = "true";
    bool json = false;
};

void runPrepare(PrepareCli& c) {
    auto& o = c.options;
    o.core.start = Month::parse(c.start, "start");
    o.core.end = Month::parse(c.end, "end");
    if (c.strict != "true" && c.strict != "false") {
        throw flower::Error({"", 0, "strict"}, "expected true or false, got '" + c.strict + "'");
    }
    o.strict = c.strict == "true";
    ByteProgress progress(stderr);
    const auto summary = flower::prepare::prepareAmazon(o, [&](const auto& p) { return progress(p); });
    progress.endBar();
    if (c.json) {
        std::fputs(summary.manifest.c_str(), stdout);
        return;
    }
    std::printf("prepared %s: window %s … %s, %lld items, %lld users, rows train %lld / valid %lld / "
                "test %lld%s\n",
                summary.out.c_str(), summary.start.c_str(), summary.end.c_str(),
                static_cast<long long>(summary.items), static_cast<long long>(summary.users),
                static_cast<long long>(summary.train), static_cast<long long>(summary.valid),
                static_cast<long long>(summary.test),
                summary.skippedLines > 0
                    ? (", " + std::to_string(summary.skippedLines) + " bad lines skipped (prepare.json)").c_str()
                    : "");
}

const flower::cli::Registration kPrepareAmazon(22, [](CLI::App& root) {
    auto c = std::make_shared<PrepareCli>();
    auto* cmd = root.add_subcommand(
        "prepare-amazon",
        "Build a dataset folder (train/valid/test.csv, items.tsv, reference_title_interaction.json, "
        "reference_group_title_8.json, prepare.json) from the raw Amazon Review Data (2018) files, row "
        "for row and id for id as the Flower authors' process.py (window in UTC)");
    cmd->add_option("--reviews", c->options.reviews, "{Category}.json(.gz) or {Category}_5.json(.gz)")->required();
    cmd->add_option("--meta", c->options.meta, "meta_{Category}.json(.gz)")->required();
    cmd->add_option("--category", c->options.category, "Category name, recorded in prepare.json")->required();
    cmd->add_option("--out", c->options.out, "Folder to create (must not exist, or be empty)")->required();
    cmd->add_option("--start", c->start, "First month of the window, YYYY-MM (UTC)")->capture_default_str();
    cmd->add_option("--end", c->end, "The window ends at the first second of this month, YYYY-MM")
        ->capture_default_str();
    cmd->add_option("--k", c->options.core.k, "K of the iterated K-core (reviews per user and per item)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--min-items", c->options.core.minItems,
                    "Fewer items at any K-core pass: open the window a year earlier and start over "
                    "(down to 1996, as the reference)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000000));
    cmd->add_option("--max-history", c->options.maxHistory, "Items of history per row")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--strict", c->strict,
                    "true: a bad line is an error naming file, line and field; false: skip and count it")
        ->capture_default_str();
    cmd->add_flag("--json", c->json, "Print prepare.json on stdout instead of the summary line");
    cmd->callback([c] { runPrepare(*c); });
});

const flower::cli::Registration kSynthAmazon(23, [](CLI::App& root) {
    auto c = std::make_shared<flower::prepare::SyntheticRawConfig>();
    auto plain = std::make_shared<bool>(false);
    auto megabytes = std::make_shared<double>(0.0);
    auto* cmd = root.add_subcommand(
        "synth-amazon",
        "Write synthetic raw files in the Amazon Review Data (2018) format: meta_<C>.json.gz and "
        "<C>.json.gz (for tests and the prepare-amazon benchmark)");
    cmd->add_option("--out", c->folder, "Folder to write into")->required();
    cmd->add_option("--category", c->category, "Category (file names)")->capture_default_str();
    cmd->add_option("--items", c->items, "Items")->capture_default_str()->check(CLI::Range(1, 100000000));
    cmd->add_option("--users", c->users, "Users (at least)")->capture_default_str()->check(CLI::Range(1, 1000000000));
    cmd->add_option("--reviews-per-user", c->meanReviewsPerUser, "Mean reviews per user")->capture_default_str();
    cmd->add_option("--review-mb", *megabytes, "Add users until the review JSON reaches this many MB (1e6 bytes)");
    cmd->add_option("--years", c->years, "Years of reviews before 2018-11")->capture_default_str();
    cmd->add_option("--zipf", c->zipf, "Zipf exponent of item popularity")->capture_default_str();
    cmd->add_option("--seed", c->seed, "Seed")->capture_default_str();
    cmd->add_option("--gzip-level", c->gzipLevel, "gzip level 1-9")->capture_default_str()->check(CLI::Range(1, 9));
    cmd->add_flag("--plain", *plain, "Write plain .json files instead of .json.gz");
    cmd->callback([c, plain, megabytes] {
        c->gzip = !*plain;
        c->reviewBytes = static_cast<std::uint64_t>(*megabytes * 1e6);
        const auto files = flower::prepare::writeSyntheticRaw(*c);
        std::printf("%s (%lld lines)\n%s (%lld lines, %.1f MB of JSON)\n", files.meta.c_str(),
                    static_cast<long long>(files.metaLines), files.reviews.c_str(),
                    static_cast<long long>(files.reviewLines), files.reviewTextBytes / 1e6);
    });
});

}  // namespace
