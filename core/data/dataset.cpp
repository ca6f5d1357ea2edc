#include "core/data/dataset.h"

#include "core/data/csv_reader.h"
#include "core/data/list_literal.h"
#include "core/util/error.h"

#include <algorithm>
#include <fstream>

namespace flower::data {

namespace fs = std::filesystem;

namespace {

void requireFile(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        throw Error({path.string(), 0, ""}, "file not found");
    }
}

// Layout (b): ROOT/info/<Category>_5_<dates>.txt names the dataset; the CSVs share its stem.
DatasetFiles locateFlowerLayout(const fs::path& dir, const std::string& category) {
    const fs::path info = dir / "info";
    std::error_code ec;
    if (!fs::is_directory(info, ec)) {
        throw Error({dir.string(), 0, ""},
                    "not a dataset folder: expected train.csv, valid.csv, test.csv and items.tsv, "
                    "or the Flower layout info/<Category>_5_<dates>.txt with "
                    "{train,valid,test}/<Category>_5_<dates>.csv");
    }
    std::vector<std::string> stems;  // every <Category>_5_<dates> found
    for (const auto& entry : fs::directory_iterator(info)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".txt" || name.find("_5_") == std::string::npos) {
            continue;
        }
        stems.push_back(entry.path().stem().string());
    }
    std::sort(stems.begin(), stems.end());
    std::vector<std::string> matches;
    for (const auto& stem : stems) {
        // The category is everything before the first "_5_": Movies_and_TV_5_2017-10-2018-11.
        if (category.empty() || stem.substr(0, stem.find("_5_")) == category) {
            matches.push_back(stem);
        }
    }
    std::string found;
    for (const auto& stem : stems) {
        found += (found.empty() ? "" : ", ") + stem.substr(0, stem.find("_5_"));
    }
    if (matches.empty()) {
        throw Error({info.string(), 0, "category"},
                    category.empty() ? "no <Category>_5_<dates>.txt file"
                                     : "no dataset for category '" + category +
                                           "' (found: " + (found.empty() ? "none" : found) + ")");
    }
    if (matches.size() > 1) {
        std::string list;
        for (const auto& m : matches) list += (list.empty() ? "" : ", ") + m;
        throw Error({info.string(), 0, "category"},
                    "several datasets match (" + list + "); name one with the category");
    }
    const std::string& stem = matches.front();
    DatasetFiles files{info / (stem + ".txt"), dir / "train" / (stem + ".csv"),
                       dir / "valid" / (stem + ".csv"), dir / "test" / (stem + ".csv")};
    requireFile(files.train);
    requireFile(files.valid);
    requireFile(files.test);
    return files;
}

}  // namespace

DatasetFiles locateDataset(const fs::path& dir, const std::string& category) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw Error({dir.string(), 0, ""}, "dataset folder not found");
    }
    if (fs::exists(dir / "items.tsv", ec) || fs::exists(dir / "train.csv", ec)) {
        DatasetFiles files{dir / "items.tsv", dir / "train.csv", dir / "valid.csv",
                           dir / "test.csv"};
        requireFile(files.items);
        requireFile(files.train);
        requireFile(files.valid);
        requireFile(files.test);
        return files;
    }
    return locateFlowerLayout(dir, category);
}

Dataset loadDataset(const fs::path& dir, const std::string& category) {
    return loadDataset(locateDataset(dir, category));
}

Dataset loadDataset(const DatasetFiles& files) {
    Dataset d;
    d.catalog = Catalog::readItemsFile(files.items);
    d.train = InteractionSplit::readCsv(files.train, d.catalog);
    d.valid = InteractionSplit::readCsv(files.valid, d.catalog);
    d.test = InteractionSplit::readCsv(files.test, d.catalog);
    return d;
}

namespace {

// Stand-in ASIN of an item (the reader does not keep ASINs).
std::string asinOf(ItemId id) {
    std::string out = "I";
    out += std::to_string(id);
    return out;
}

std::string formatRating(double r) {
    // Ratings written as Python's str(float): "5.0"; non-integral values with full precision.
    char buf[32];
    if (r == static_cast<double>(static_cast<std::int64_t>(r))) {
        std::snprintf(buf, sizeof buf, "%lld.0", static_cast<long long>(r));
    } else {
        std::snprintf(buf, sizeof buf, "%.17g", r);
    }
    return buf;
}

void writeSplit(const InteractionSplit& split, const Catalog& catalog, const fs::path& path) {
    const bool full = split.hasUsers() && split.hasRatings() && split.hasTimestamps();
    std::ofstream out(path, std::ios::binary);
    if (!out) {
        throw Error({path.string(), 0, ""}, "cannot create the file");
    }
    out << (full ? "user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,"
                   "item_title,history_rating,rating,history_timestamp,timestamp\n"
                 : "history_item_id,item_id,history_item_title,item_title\n");
    for (const InteractionRow& row : split.rows()) {
        std::vector<std::string> titles, asins;
        for (const ItemId id : row.history) {
            titles.push_back(catalog.title(id));
            asins.push_back(asinOf(id));
        }
        std::string line;
        if (full) {
            line += csvField(row.user) + ',' + csvField(pythonList(asins)) + ',' +
                    asinOf(row.target) + ',';
        }
        line += csvField(pythonList(row.history)) + ',' + std::to_string(row.target) + ',' +
                csvField(pythonList(titles)) + ',' + csvField(catalog.title(row.target));
        if (full) {
            std::string ratings = "[";
            for (std::size_t k = 0; k < row.historyRatings.size(); ++k) {
                ratings += k ? ", " : "";
                ratings += formatRating(row.historyRatings[k]);
            }
            ratings += "]";
            line += ',' + csvField(ratings) + ',' + formatRating(*row.rating) + ',' +
                    csvField(pythonList(row.historyTimestamps)) + ',' +
                    std::to_string(*row.timestamp);
        }
        out << line << '\n';
    }
    if (!out) {
        throw Error({path.string(), 0, ""}, "write failed");
    }
}

}  // namespace

void writeDataset(const Dataset& dataset, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw Error({dir.string(), 0, ""}, "cannot create the folder: " + ec.message());
    }
    {
        std::ofstream items(dir / "items.tsv", std::ios::binary);
        if (!items) {
            throw Error({(dir / "items.tsv").string(), 0, ""}, "cannot create the file");
        }
        for (std::size_t id = 0; id < dataset.catalog.size(); ++id) {
            items << dataset.catalog.title(static_cast<ItemId>(id)) << '\t' << id << '\n';
        }
    }
    writeSplit(dataset.train, dataset.catalog, dir / "train.csv");
    writeSplit(dataset.valid, dataset.catalog, dir / "valid.csv");
    writeSplit(dataset.test, dataset.catalog, dir / "test.csv");
}

}  // namespace flower::data
