#include "core/data/synthetic_catalog.h"

#include "core/data/synthetic_words.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <string>

namespace flower::data {

void SyntheticConfig::validate() const {
    const auto check = [](bool ok, const char* field, const std::string& expected) {
        if (!ok) throw Error({"", 0, field}, "expected " + expected);
    };
    check(items >= 10 && items <= 1'000'000, "items", "10 to 1,000,000 items");
    check(users >= 10 && users <= 10'000'000, "users", "10 to 10,000,000 users");
    check(std::isfinite(zipf) && zipf >= 0 && zipf <= 5, "zipf", "an exponent from 0 to 5");
    check(maxHistory >= 1, "maxHistory", "a history window of at least 1");
    check(minSequence >= 2, "minSequence", "at least 2 interactions per user");
    check(maxSequence >= minSequence, "maxSequence", "maxSequence >= minSequence");
    check(continuation >= 0 && continuation <= 1, "continuation", "a probability from 0 to 1");
}

namespace {

constexpr std::int64_t kStartTime = 1506816000;  // 2017-10-01 00:00 UTC, like Movies_and_TV
constexpr std::int64_t kDay = 86400;

class Random {
public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}
    // Uniform in [0, 1) from the top 53 bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n).
    std::size_t below(std::size_t n) {
        return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n)));
    }
    bool chance(double p) { return uniform() < p; }
    // 0, 1, 2, … with P(k) = (1 - p) p^k, capped.
    int geometric(double p, int cap) {
        int k = 0;
        while (k < cap && chance(p)) ++k;
        return k;
    }
    template <typename T>
    const T& pick(const T* begin, std::size_t n) { return begin[below(n)]; }

private:
    std::mt19937_64 engine_;
};

// Index drawn in proportion to cumulative weights `cdf` (non-decreasing, last > 0).
std::size_t sampleCdf(const std::vector<double>& cdf, Random& rng) {
    const double x = rng.uniform() * cdf.back();
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), x);
    return std::min(static_cast<std::size_t>(it - cdf.begin()), cdf.size() - 1);
}

struct Draft {
    std::string title;
    SyntheticItem info;
};

class Generator {
public:
    explicit Generator(const SyntheticConfig& c) : c_(c), rng_(c.seed) {}

    SyntheticDataset run() {
        makeItems();
        makeSequences();
        return finish();
    }

private:
    std::string word(const std::array<std::string_view, 16>& list) {
        return std::string(list[rng_.below(list.size())]);
    }

    // A new franchise or standalone name in the genre's vocabulary.
    std::string uniqueBase(int genre) {
        const auto& g = words::kGenres[static_cast<std::size_t>(genre)];
        std::string base;
        for (int attempt = 0; attempt < 40; ++attempt) {
            const double u = rng_.uniform();
            if (u < 0.55) base = word(g.first) + " " + word(g.second);
            else if (u < 0.8) base = std::string("The ").append(word(g.first)).append(" ").append(word(g.second));
            else base = word(g.second) + " of the " + word(g.first);
            if (bases_.insert(base).second) return base;
        }
        // The vocabulary is exhausted for large catalogues: tell bases apart by a year.
        while (true) {
            std::string dated = base + " (" + std::to_string(1950 + rng_.below(70)) + ")";
            if (bases_.insert(dated).second) return dated;
        }
    }

    void add(std::string title, int genre, int franchise, int part, bool edition) {
        if (drafts_.size() < static_cast<std::size_t>(c_.items)) {
            drafts_.push_back({std::move(title), {genre, franchise, part, edition}});
        }
    }

    // Another release of `title` (a distinct edition per call within one entry).
    void maybeEdition(const std::string& title, int genre, int franchise, int part, double p) {
        if (rng_.chance(p)) {
            add(std::string(title).append(" ").append(words::kEditions[rng_.below(words::kEditions.size())]),
                genre, franchise, part, true);
        }
    }

    void makeItems() {
        const std::size_t target = static_cast<std::size_t>(c_.items);
        while (drafts_.size() < target) {
            const int genre = static_cast<int>(rng_.below(words::kGenres.size()));
            const std::string base = uniqueBase(genre);
            const double kind = rng_.uniform();
            if (kind < 0.3) {  // film franchise: original, sequels (II, III / subtitles)
                const int franchise = franchises_++;
                const int entries = 2 + rng_.geometric(0.45, 5);
                // Distinct subtitles per franchise: a shuffled list, one per entry.
                std::vector<std::size_t> subtitles(words::kSubtitles.size());
                std::iota(subtitles.begin(), subtitles.end(), std::size_t{0});
                for (std::size_t i = subtitles.size() - 1; i > 0; --i) {
                    std::swap(subtitles[i], subtitles[rng_.below(i + 1)]);
                }
                for (int part = 0; part < entries; ++part) {
                    const auto p = static_cast<std::size_t>(part);
                    std::string title = base;
                    if (part > 0 && rng_.chance(0.5)) {
                        title.append(" ").append(words::kRoman[p - 1]);  // Star Quest II
                    } else if (part > 0) {
                        title.append(": ").append(words::kSubtitles[subtitles[p]]);  // Star Quest: Rising
                    }
                    add(title, genre, franchise, part, false);
                    maybeEdition(title, genre, franchise, part, 0.3);
                }
            } else if (kind < 0.5) {  // TV series: seasons, sometimes a complete-series box
                const int franchise = franchises_++;
                const int seasons = 2 + rng_.geometric(0.55, 7);
                for (int part = 0; part < seasons; ++part) {
                    add(std::string(base).append(": Season ").append(words::kOrdinals[static_cast<std::size_t>(part)]),
                        genre, franchise, part, false);
                }
                if (rng_.chance(0.3)) {
                    add(base + ": The Complete Series", genre, franchise, seasons - 1, true);
                }
            } else {  // standalone title, sometimes re-released, rarely under the same title
                add(base, genre, -1, 0, false);
                maybeEdition(base, genre, -1, 0, 0.15);
                if (rng_.chance(0.02)) {
                    add(base, genre, -1, 0, true);
                }
            }
        }
        // Ids in random order, so that neighbouring ids say nothing about franchises.
        for (std::size_t i = drafts_.size() - 1; i > 0; --i) {
            std::swap(drafts_[i], drafts_[rng_.below(i + 1)]);
        }
        // Zipf-like base popularity over a random ranking; later entries and extra releases
        // are watched less.
        std::vector<std::size_t> rank(drafts_.size());
        std::iota(rank.begin(), rank.end(), std::size_t{1});
        for (std::size_t i = rank.size() - 1; i > 0; --i) {
            std::swap(rank[i], rank[rng_.below(i + 1)]);
        }
        genreCdf_.assign(words::kGenres.size(), {});
        genreItems_.assign(words::kGenres.size(), {});
        std::vector<double> genreTotal(words::kGenres.size(), 0.0);
        for (std::size_t id = 0; id < drafts_.size(); ++id) {
            const SyntheticItem& info = drafts_[id].info;
            double w = std::pow(static_cast<double>(rank[id]), -c_.zipf) *
                       std::pow(0.75, info.part) * (info.edition ? 0.5 : 1.0);
            const auto g = static_cast<std::size_t>(info.genre);
            genreTotal[g] += w;
            genreCdf_[g].push_back(genreTotal[g]);
            genreItems_[g].push_back(static_cast<ItemId>(id));
        }
        // Next entries of each franchise: main releases and editions by part.
        nextOf_.assign(drafts_.size(), {});
        std::vector<std::vector<std::vector<ItemId>>> byPart(static_cast<std::size_t>(franchises_));
        for (std::size_t id = 0; id < drafts_.size(); ++id) {
            const SyntheticItem& info = drafts_[id].info;
            if (info.franchise < 0) continue;
            auto& parts = byPart[static_cast<std::size_t>(info.franchise)];
            if (parts.size() <= static_cast<std::size_t>(info.part)) parts.resize(static_cast<std::size_t>(info.part) + 1);
            // Main release first, so continuation prefers it.
            auto& slot = parts[static_cast<std::size_t>(info.part)];
            if (info.edition) {
                slot.push_back(static_cast<ItemId>(id));
            } else {
                slot.insert(slot.begin(), static_cast<ItemId>(id));
            }
        }
        for (std::size_t id = 0; id < drafts_.size(); ++id) {
            const SyntheticItem& info = drafts_[id].info;
            if (info.franchise < 0) continue;
            const auto& parts = byPart[static_cast<std::size_t>(info.franchise)];
            const auto next = static_cast<std::size_t>(info.part) + 1;
            if (next < parts.size()) nextOf_[id] = parts[next];
        }
    }

    void makeSequences() {
        std::set<std::string> userNames;
        const std::size_t maxLength = std::min<std::size_t>(static_cast<std::size_t>(c_.maxSequence), drafts_.size());
        const std::size_t genres = words::kGenres.size();
        for (int u = 0; u < c_.users; ++u) {
            std::string name;
            do {  // Amazon-like reviewer ids
                static constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                name.assign(14, 'A');
                for (std::size_t k = 1; k < name.size(); ++k) name[k] = kChars[rng_.below(kChars.size())];
            } while (!userNames.insert(name).second);
            users_.push_back(name);

            // Latent taste: one or two favourite genres, a little of everything else.
            std::vector<double> taste(genres, 0.15 / static_cast<double>(genres));
            const std::size_t fav = rng_.below(genres);
            taste[fav] += 0.6;
            taste[rng_.chance(0.5) ? rng_.below(genres) : fav] += 0.25;
            std::vector<double> tasteCdf(genres);
            double acc = 0;
            for (std::size_t g = 0; g < genres; ++g) {
                acc += genreItems_[g].empty() ? 0.0 : taste[g];
                tasteCdf[g] = acc;
            }

            const std::size_t length = std::min<std::size_t>(
                maxLength, static_cast<std::size_t>(c_.minSequence + rng_.geometric(0.75, c_.maxSequence - c_.minSequence)));
            std::vector<ItemId> seq;
            std::vector<double> ratings;
            std::vector<std::int64_t> times;
            std::int64_t day = static_cast<std::int64_t>(rng_.below(330));
            while (seq.size() < length) {
                const auto seen = [&](ItemId id) { return std::find(seq.begin(), seq.end(), id) != seq.end(); };
                ItemId next = -1;
                if (!seq.empty() && rng_.chance(c_.continuation)) {
                    const auto& candidates = nextOf_[static_cast<std::size_t>(seq.back())];
                    if (!candidates.empty()) {
                        // Mostly the main release of the next entry, sometimes another release.
                        const ItemId pick = rng_.chance(0.8) ? candidates.front()
                                                             : candidates[rng_.below(candidates.size())];
                        if (!seen(pick)) next = pick;
                    }
                }
                for (int attempt = 0; next < 0 && attempt < 30; ++attempt) {
                    const std::size_t g = sampleCdf(tasteCdf, rng_);
                    const ItemId pick = genreItems_[g][sampleCdf(genreCdf_[g], rng_)];
                    if (!seen(pick)) next = pick;
                }
                for (std::size_t k = rng_.below(drafts_.size()); next < 0; k = (k + 1) % drafts_.size()) {
                    if (!seen(static_cast<ItemId>(k))) next = static_cast<ItemId>(k);
                }
                const bool liked = static_cast<std::size_t>(drafts_[static_cast<std::size_t>(next)].info.genre) == fav;
                const double r = rng_.uniform();
                const double rating = liked ? (r < 0.55 ? 5 : r < 0.85 ? 4 : r < 0.95 ? 3 : r < 0.98 ? 2 : 1)
                                            : (r < 0.3 ? 5 : r < 0.65 ? 4 : r < 0.85 ? 3 : r < 0.94 ? 2 : 1);
                seq.push_back(next);
                ratings.push_back(rating);
                times.push_back(kStartTime + day * kDay);
                day += static_cast<std::int64_t>(rng_.below(21));
            }
            sequences_.push_back(std::move(seq));
            ratings_.push_back(std::move(ratings));
            times_.push_back(std::move(times));
        }
    }

    SyntheticDataset finish() {
        SyntheticDataset out;
        std::vector<std::string> titles;
        for (auto& d : drafts_) {
            titles.push_back(d.title);
            out.items.push_back(d.info);
        }
        out.dataset.catalog = Catalog(std::move(titles));

        // Every position after the first is a row: the last maxHistory items → that item.
        struct Keyed {
            std::int64_t time;
            std::size_t user, position;
        };
        std::vector<Keyed> keys;
        for (std::size_t u = 0; u < sequences_.size(); ++u) {
            for (std::size_t t = 1; t < sequences_[u].size(); ++t) keys.push_back({times_[u][t], u, t});
        }
        // Chronological split by the target's time (ties: user, then position).
        std::sort(keys.begin(), keys.end(), [](const Keyed& a, const Keyed& b) {
            return std::tie(a.time, a.user, a.position) < std::tie(b.time, b.user, b.position);
        });
        std::vector<InteractionRow> rows;
        rows.reserve(keys.size());
        for (const Keyed& k : keys) {
            const auto& seq = sequences_[k.user];
            const std::size_t from = k.position > static_cast<std::size_t>(c_.maxHistory)
                                         ? k.position - static_cast<std::size_t>(c_.maxHistory) : 0;
            InteractionRow row;
            row.history.assign(seq.begin() + static_cast<std::ptrdiff_t>(from), seq.begin() + static_cast<std::ptrdiff_t>(k.position));
            row.target = seq[k.position];
            row.user = users_[k.user];
            row.historyRatings.assign(ratings_[k.user].begin() + static_cast<std::ptrdiff_t>(from),
                                      ratings_[k.user].begin() + static_cast<std::ptrdiff_t>(k.position));
            row.rating = ratings_[k.user][k.position];
            row.historyTimestamps.assign(times_[k.user].begin() + static_cast<std::ptrdiff_t>(from),
                                         times_[k.user].begin() + static_cast<std::ptrdiff_t>(k.position));
            row.timestamp = k.time;
            rows.push_back(std::move(row));
        }
        const std::size_t nTrain = rows.size() * 8 / 10;
        const std::size_t nValid = rows.size() / 10;
        const auto cut = [&](std::size_t a, std::size_t b) {
            return std::vector<InteractionRow>(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(a)),
                                               std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(b)));
        };
        out.dataset.train = InteractionSplit("train", cut(0, nTrain));
        out.dataset.valid = InteractionSplit("valid", cut(nTrain, nTrain + nValid));
        out.dataset.test = InteractionSplit("test", cut(nTrain + nValid, rows.size()));
        out.sequences = std::move(sequences_);
        return out;
    }

    const SyntheticConfig& c_;
    Random rng_;
    std::set<std::string> bases_;
    std::vector<Draft> drafts_;
    int franchises_ = 0;
    std::vector<std::vector<double>> genreCdf_;
    std::vector<std::vector<ItemId>> genreItems_;
    std::vector<std::vector<ItemId>> nextOf_;
    std::vector<std::string> users_;
    std::vector<std::vector<ItemId>> sequences_;
    std::vector<std::vector<double>> ratings_;
    std::vector<std::vector<std::int64_t>> times_;
};

}  // namespace

SyntheticDataset generateSynthetic(const SyntheticConfig& config) {
    config.validate();
    return Generator(config).run();
}

}  // namespace flower::data
