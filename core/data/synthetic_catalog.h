// The embedded default dataset: a deterministic, seeded generator of a catalogue that looks
// like real catalogue data to the prefix tree and the models — franchises whose sequels,
// subtitles and editions share title prefixes ("Star Quest", "Star Quest II",
// "Star Quest: The Return", "Star Quest [Blu-ray]"), TV series with seasons
// ("Harbor Lights: Season Two"), standalone titles and a few titles shared by two ids; Zipf-like
// popularity; users with latent genre tastes whose sequences follow them and tend to continue a
// franchise with its next entry; BIGRec rows (history of up to maxHistory items → next item),
// split chronologically 8:1:1 by the target's timestamp.
// Randomness: std::mt19937_64 (its output is fixed by the C++ standard) and our own mapping to
// numbers, never std::*_distribution (implementation-defined), so a seed gives the same dataset
// with any standard library; popularity weights use std::pow (glibc: bit-identical runs).
// Failure: flower::Error naming the config field when a size or parameter is out of range.
#pragma once

#include "core/data/dataset.h"

#include <cstdint>
#include <vector>

namespace flower::data {

struct SyntheticConfig {
    int items = 400;             // catalogue size (10 … 1,000,000)
    int users = 2000;            // number of users (10 … 10,000,000)
    std::uint64_t seed = 1;      // same seed, same bytes
    double zipf = 0.65;          // popularity exponent: the item ranked r weighs r^-zipf (0 … 5);
                                 // 0.65 gives 8 popularity groups close to Movies_and_TV's
    int maxHistory = 10;         // history window of a row
    int minSequence = 5;         // interactions per user, at least (a 5-core-like floor)
    int maxSequence = 20;        // interactions per user, at most
    double continuation = 0.6;   // chance that the next item is the next entry of the franchise
                                 // just watched (when there is one the user has not seen)

    // Throws flower::Error (field = the member's name) when a value is out of range.
    void validate() const;
};

struct SyntheticItem {
    int genre = 0;         // index into words::kGenres
    int franchise = -1;    // -1: standalone title
    int part = 0;          // entry of the franchise: 0 the original, 1 the first sequel/season two…
    bool edition = false;  // another release of an entry ([Blu-ray], VHS, …) or a repeated title
};

struct SyntheticDataset {
    Dataset dataset;
    std::vector<SyntheticItem> items;            // by item id
    std::vector<std::vector<ItemId>> sequences;  // by user, chronological
};

SyntheticDataset generateSynthetic(const SyntheticConfig& config);

}  // namespace flower::data
