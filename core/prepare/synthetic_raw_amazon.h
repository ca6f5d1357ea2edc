// Synthetic raw files in the exact Amazon Review Data (2018) format — `meta_{C}.json(.gz)` and
// `{C}.json(.gz)` with every member the real dumps carry (nested `style`/`details` objects,
// arrays, HTML in descriptions, escapes, non-ASCII text) — for the benchmark and the CLI
// tests. Items are Zipf-popular, users review a geometric number of items over `years` years
// ending 2018-11, and a few meta records exercise the title rules (&amp;, &quot;, <span id,
// missing and over-long titles, duplicate records). Deterministic for a seed (std::mt19937_64).
#pragma once

#include <cstdint>
#include <string>

namespace flower::prepare {

struct SyntheticRawConfig {
    std::string folder;
    std::string category = "Synthetic";
    std::int64_t items = 4000;
    std::int64_t users = 20000;
    double meanReviewsPerUser = 8.0;
    std::uint64_t reviewBytes = 0;  // > 0: add users until the review text reaches this size
    int years = 4;                  // reviews spread over [2018-11 minus years, 2018-11]
    double zipf = 0.8;
    bool gzip = true;
    int gzipLevel = 6;
    std::uint64_t seed = 1;
};

struct SyntheticRawFiles {
    std::string meta, reviews;
    std::int64_t reviewLines = 0, metaLines = 0;
    std::uint64_t reviewTextBytes = 0;
};

SyntheticRawFiles writeSyntheticRaw(const SyntheticRawConfig& config);

}  // namespace flower::prepare
