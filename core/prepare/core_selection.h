// CoreSelection: which reviews and items the reference keeps (process.py, `gao`), replayed on
// the compact tables: titles cleaned for this round (title_rules.h), reviews in the window
// start ≤ unixReviewTime ≤ end, then the iterated K-core — count reviews (not distinct items)
// per user and per item among the reviews still kept, drop those under K, repeat until a pass
// drops nothing. When a pass sees fewer than `minItems` items while the start year is after
// `floorYear` (the reference's 1996), everything starts over with the window opened one year
// earlier (the reference's recursion; its titles are cleaned once more, see title_rules.h).
// Failure: flower::Error when the window holds no review or the K-core is empty.
#pragma once

#include "core/prepare/amazon_raw.h"
#include "core/prepare/month.h"

#include <cstdint>
#include <string>
#include <vector>

namespace flower::prepare {

struct CoreOptions {
    Month start{2017, 10};
    Month end{2018, 11};
    int k = 5;
    std::int64_t minItems = 3000;
    int floorYear = 1996;
};

struct CorePass {
    std::int64_t users = 0, items = 0, reviews = 0;  // kept when the pass began
};

struct CoreRound {
    Month start;
    std::int64_t titledItems = 0;   // items whose meta records pass the title rules
    std::int64_t windowReviews = 0; // reviews in the window with a titled item
    std::vector<CorePass> passes;
    bool widened = false;           // too few items: the next round opens a year earlier
};

struct CoreResult {
    Month start;                           // the window finally used
    std::vector<CoreRound> rounds;
    std::vector<std::uint32_t> reviews;    // indices into ReviewTable::reviews, file order
    std::vector<std::uint32_t> items;      // kept items in order of first appearance
    std::vector<std::string> titles;       // per item (MetaTable::asins): final cleaned title
};

CoreResult selectCore(const MetaTable& meta, const ReviewTable& reviews, const CoreOptions& options);

}  // namespace flower::prepare
