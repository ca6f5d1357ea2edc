// A recommendation dataset: the catalog and its train/valid/test splits, read from either
//   (a) a folder with train.csv, valid.csv, test.csv and items.tsv, or
//   (b) the Flower/BIGRec/D3 repository layout ROOT/{train,valid,test}/<Category>_5_<dates>.csv
//       with ROOT/info/<Category>_5_<dates>.txt (one `title<TAB>id` a line), picked by category.
// Failure: flower::Error naming the file (and line/field) — a missing file, an ambiguous or
// unknown category, anything the CSV/items readers reject, an empty split.
#pragma once

#include "core/data/catalog.h"
#include "core/data/interaction_split.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flower::data {

struct DatasetFiles {
    std::filesystem::path items, train, valid, test;
};

struct Dataset {
    Catalog catalog;
    InteractionSplit train, valid, test;
};

// Where the four files of a dataset are (layout (a) when dir/items.tsv or dir/train.csv exists,
// else layout (b)). `category` picks among several datasets of layout (b); it may be empty when
// dir/info holds exactly one `*_5_*.txt`; layout (a) ignores it. Checks that the files exist.
DatasetFiles locateDataset(const std::filesystem::path& dir, const std::string& category = "");

Dataset loadDataset(const std::filesystem::path& dir, const std::string& category = "");
Dataset loadDataset(const DatasetFiles& files);

// Writes layout (a) into `dir` (created if needed): items.tsv and the three CSV files with
// the full BIGRec column set (user_id, item_asins, item_asin, history_item_id, item_id,
// history_item_title, item_title, history_rating, rating, history_timestamp, timestamp) when
// every row has a user, ratings and timestamps; otherwise the four title/id columns.
// ASINs are not kept by the reader, so they are written as "I<id>".
void writeDataset(const Dataset& dataset, const std::filesystem::path& dir);

}  // namespace flower::data
