#include "core/prepare/core_selection.h"

#include "core/prepare/title_rules.h"
#include "core/util/error.h"

namespace flower::prepare {

namespace {

// The reference's id_title / remove_items after `round` cleanings: per item the title of its
// last good record, and whether any record (no title, <span id, a rejected title) removes it.
void titlesForRound(const MetaTable& meta, int round, std::vector<std::string>& titles,
                    std::vector<std::uint8_t>& usable) {
    const std::size_t n = meta.asins.size();
    titles.assign(n, std::string());
    std::vector<std::uint8_t> removed(n, 0), good(n, 0);
    for (const MetaRecord& r : meta.records) {
        if (r.title >= MetaRecord::kSpan) {
            removed[r.item] = 1;
            continue;
        }
        std::string t = cleanTitle(meta.titles[r.title], round);
        if (isAcceptedTitle(t)) {
            titles[r.item] = std::move(t);
            good[r.item] = 1;
        } else {
            removed[r.item] = 1;
        }
    }
    usable.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) usable[i] = good[i] && !removed[i];
}

}  // namespace

CoreResult selectCore(const MetaTable& meta, const ReviewTable& table, const CoreOptions& o) {
    if (o.k < 1) throw Error({"", 0, "k"}, "expected K ≥ 1, got " + std::to_string(o.k));
    if (o.start.year < o.floorYear) {
        throw Error({"", 0, "start"}, "expected a start year ≥ " + std::to_string(o.floorYear) +
                                          " (the reference writes nothing before it), got " +
                                          o.start.text());
    }
    const std::int64_t endTime = o.end.startUtc();
    if (o.start.startUtc() > endTime) {
        throw Error({"", 0, "start"}, "the window starts (" + o.start.text() + ") after it ends (" +
                                          o.end.text() + ")");
    }
    CoreResult result;
    const std::size_t itemCount = meta.asins.size();
    const std::size_t userCount = table.users.size();
    std::vector<std::uint8_t> usable;
    std::vector<std::int64_t> userReviews(userCount), itemReviews(itemCount);
    std::vector<std::uint8_t> userGone(userCount), itemGone(itemCount);
    Month start = o.start;
    for (int round = 1;; ++round) {
        CoreRound info;
        info.start = start;
        titlesForRound(meta, round, result.titles, usable);
        for (const auto u : usable) info.titledItems += u;
        const std::int64_t startTime = start.startUtc();
        std::vector<std::uint32_t> kept;
        for (std::size_t i = 0; i < table.reviews.size(); ++i) {
            const Review& r = table.reviews[i];
            if (r.time >= startTime && r.time <= endTime && usable[r.item]) {
                kept.push_back(static_cast<std::uint32_t>(i));
            }
        }
        info.windowReviews = static_cast<std::int64_t>(kept.size());
        std::fill(userGone.begin(), userGone.end(), 0);
        std::fill(itemGone.begin(), itemGone.end(), 0);
        bool tooFew = false;
        while (true) {
            std::fill(userReviews.begin(), userReviews.end(), 0);
            std::fill(itemReviews.begin(), itemReviews.end(), 0);
            CorePass pass;
            for (const std::uint32_t i : kept) {
                const Review& r = table.reviews[i];
                pass.users += userReviews[r.user]++ == 0;
                pass.items += itemReviews[r.item]++ == 0;
            }
            pass.reviews = static_cast<std::int64_t>(kept.size());
            info.passes.push_back(pass);
            bool dropped = false;
            for (const std::uint32_t i : kept) {
                const Review& r = table.reviews[i];
                if (userReviews[r.user] < o.k && !userGone[r.user]) userGone[r.user] = dropped = true;
                if (itemReviews[r.item] < o.k && !itemGone[r.item]) itemGone[r.item] = dropped = true;
            }
            if (start.year > o.floorYear && pass.items < o.minItems) {
                tooFew = true;
                break;
            }
            if (!dropped) break;
            std::size_t w = 0;
            for (const std::uint32_t i : kept) {
                const Review& r = table.reviews[i];
                if (!userGone[r.user] && !itemGone[r.item]) kept[w++] = i;
            }
            kept.resize(w);
        }
        info.widened = tooFew;
        result.rounds.push_back(info);
        if (tooFew) {
            start = start.yearEarlier();
            continue;
        }
        if (kept.empty()) {
            throw Error(info.windowReviews == 0
                            ? "no review with a titled item lies in the window " + start.text() +
                                  " … " + o.end.text()
                            : "the " + std::to_string(o.k) + "-core of the window " + start.text() +
                                  " … " + o.end.text() + " is empty (" +
                                  std::to_string(info.windowReviews) +
                                  " reviews before filtering): lower --k or widen the window");
        }
        result.start = start;
        result.reviews = std::move(kept);
        std::vector<std::uint8_t> seen(itemCount, 0);
        for (const std::uint32_t i : result.reviews) {
            const std::uint32_t item = table.reviews[i].item;
            if (!seen[item]) {
                seen[item] = 1;
                result.items.push_back(item);
            }
        }
        return result;
    }
}

}  // namespace flower::prepare
