#include "core/prepare/synthetic_raw_amazon.h"

#include "core/prepare/month.h"
#include "core/prepare/python_text.h"
#include "core/util/error.h"

#include <zlib.h>

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

namespace flower::prepare {

namespace {

const char* const kWords[] = {
    "The", "Night", "River", "Last", "Summer", "Garden", "Secret", "King", "Road", "Winter",
    "Blue", "House", "Story", "Return", "Shadow", "Island", "Light", "Storm", "Heart", "City",
    "Ghost", "Dream", "Fire", "Star", "Journey", "Love", "War", "Queen", "Season", "Collection",
    "Café", "Naïve", "Ōkami", "Señor", "Über", "Complete", "Edition", "VHS", "Blu-ray", "DVD"};
constexpr std::size_t kWordCount = sizeof kWords / sizeof kWords[0];

const char* const kReviewWords[] = {
    "great", "movie", "loved", "it", "the", "acting", "was", "superb", "and", "story",
    "kept", "me", "watching", "would", "recommend", "to", "anyone", "who", "likes", "drama",
    "picture", "quality", "is", "excellent", "sound", "a", "bit", "low", "but", "fine",
    "\\\"classic\\\"", "it's", "5/5", "\\u00e9t\\u00e9", "disc", "arrived", "on", "time", "\\n", "!"};
constexpr std::size_t kReviewWordCount = sizeof kReviewWords / sizeof kReviewWords[0];

class Output {
public:
    Output(const std::string& path, bool gzip, int level) : path_(path), gzip_(gzip) {
        if (gzip) {
            gz_ = gzopen(path.c_str(), ("wb" + std::to_string(level)).c_str());
            if (gz_ != nullptr) gzbuffer(gz_, 1 << 20);
        } else {
            file_ = std::fopen(path.c_str(), "wb");
        }
        if (gz_ == nullptr && file_ == nullptr) {
            throw Error({path, 0, ""}, std::string("cannot create the file: ") + std::strerror(errno));
        }
    }
    void write(const std::string& text) {
        const bool ok = gzip_ ? gzwrite(gz_, text.data(), static_cast<unsigned>(text.size())) ==
                                    static_cast<int>(text.size())
                              : std::fwrite(text.data(), 1, text.size(), file_) == text.size();
        if (!ok) throw Error({path_, 0, ""}, "cannot write the file");
    }
    void close() {
        const bool ok = gzip_ ? gzclose(gz_) == Z_OK : std::fclose(file_) == 0;
        gz_ = nullptr;
        file_ = nullptr;
        if (!ok) throw Error({path_, 0, ""}, "cannot write the file");
    }
    ~Output() {
        if (gz_ != nullptr) gzclose(gz_);
        if (file_ != nullptr) std::fclose(file_);
    }

private:
    std::string path_;
    bool gzip_;
    gzFile gz_ = nullptr;
    std::FILE* file_ = nullptr;
};

std::string asinOf(std::int64_t item) {
    char b[32];
    std::snprintf(b, sizeof b, "B%09lld", static_cast<long long>(item));
    return b;
}

std::string userOf(std::int64_t user) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string id = "A";
    std::uint64_t v = static_cast<std::uint64_t>(user) * 2654435761ULL + 12345;
    for (int k = 0; k < 13; ++k) {
        id += alphabet[v % 36];
        v /= 36;
        if (v == 0) v = static_cast<std::uint64_t>(user) + 7 + static_cast<std::uint64_t>(k);
    }
    return id;
}

}  // namespace

SyntheticRawFiles writeSyntheticRaw(const SyntheticRawConfig& c) {
    if (c.items < 1 || c.users < 1 || c.years < 1 || c.meanReviewsPerUser < 1) {
        throw Error("synthetic raw files: expected items, users, years ≥ 1 and a mean of ≥ 1 review per user");
    }
    std::error_code ec;
    std::filesystem::create_directories(c.folder, ec);
    const std::string ext = c.gzip ? ".json.gz" : ".json";
    SyntheticRawFiles files;
    files.meta = c.folder + "/meta_" + c.category + ext;
    files.reviews = c.folder + "/" + c.category + ext;
    std::mt19937_64 rng(c.seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

    // --- meta ---
    Output meta(files.meta, c.gzip, c.gzipLevel);
    std::string line;
    for (std::int64_t item = 0; item < c.items; ++item) {
        std::string title;
        const std::size_t words = 1 + pick(5);
        for (std::size_t w = 0; w < words; ++w) {
            if (w) title += ' ';
            title += kWords[pick(kWordCount)];
        }
        title += " " + std::to_string(item);  // distinct titles (a few collide on purpose below)
        const int kind = static_cast<int>(item % 97);
        std::string titleMember;
        if (kind == 1) titleMember = "";  // no title member
        else if (kind == 2) titleMember = "\"<span id=\\\"x\\\">" + title + "</span>\"";
        else if (kind == 3) titleMember = "\"" + title + " &amp; Friends &quot;Deluxe&quot;\"";
        else if (kind == 4) titleMember = "\" \\\"" + title + "\\\" \"";
        else if (kind == 5) titleMember = "\"" + std::string(21, 'w') + " a b c d e f g h i j k l m n o p q r s t u\"";
        else if (kind == 6) titleMember = "\"Same Title\"";
        else {
            std::string escaped;
            appendJsonString(escaped, title);
            titleMember = escaped;
        }
        line = "{\"category\": [\"" + c.category + "\", \"Movies\"], \"tech1\": \"\", \"description\": "
               "[\"<b>Product Description</b><br>A \\\"film\\\" about " + asinOf(item) +
               ", rated <i>4/5</i>.\"], \"fit\": \"\", ";
        if (!titleMember.empty()) line += "\"title\": " + titleMember + ", ";
        line += "\"also_buy\": [\"" + asinOf((item + 1) % c.items) + "\", \"" + asinOf((item + 7) % c.items) +
                "\"], \"tech2\": \"\", \"brand\": \"Studio " + std::to_string(item % 13) +
                "\", \"feature\": [], \"rank\": \"" + std::to_string(1000 + item * 37) +
                " in Movies & TV (\", \"also_view\": [], \"main_cat\": \"Movies & TV\", \"similar_item\": \"\", "
                "\"date\": \"\", \"price\": \"$" + std::to_string(5 + item % 20) + ".99\", \"asin\": \"" +
                asinOf(item) + "\", \"imageURL\": [], \"imageURLHighRes\": [], \"details\": {\"\\n    Item "
                "Weight: \\n    \": \"1.8 ounces\", \"ASIN: \": \"" + asinOf(item) + "\", \"nested\": {\"a\": [1, "
                "2.5e3, -0.0, true, false, null, {}]}}}\n";
        meta.write(line);
        ++files.metaLines;
        if (item % 211 == 10) {  // a later duplicate record with a new good title
            meta.write("{\"title\": \"" + title + " (Remastered)\", \"asin\": \"" + asinOf(item) + "\"}\n");
            ++files.metaLines;
        }
    }
    meta.close();

    // --- reviews --- Zipf popularity through a cumulative table.
    std::vector<double> cumulative(static_cast<std::size_t>(c.items));
    double sum = 0;
    for (std::int64_t i = 0; i < c.items; ++i) {
        sum += 1.0 / std::pow(static_cast<double>(i + 1), c.zipf);
        cumulative[static_cast<std::size_t>(i)] = sum;
    }
    const auto drawItem = [&] {
        const double u = unit(rng) * sum;
        return static_cast<std::int64_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
    };
    const std::int64_t endTime = Month{2018, 11}.startUtc();
    const std::int64_t startTime = Month{2018 - c.years, 11}.startUtc();
    std::geometric_distribution<int> reviewCount(1.0 / c.meanReviewsPerUser);
    Output reviews(files.reviews, c.gzip, c.gzipLevel);
    std::string buffer;
    for (std::int64_t user = 0; user < c.users || (c.reviewBytes > 0 && files.reviewTextBytes < c.reviewBytes); ++user) {
        const std::string id = userOf(user);
        const int n = 1 + reviewCount(rng);
        const std::int64_t base = startTime + static_cast<std::int64_t>(unit(rng) * static_cast<double>(endTime - startTime));
        for (int r = 0; r < n; ++r) {
            std::int64_t t = base + static_cast<std::int64_t>(r) * 86400 * static_cast<std::int64_t>(pick(40));
            t -= t % 86400;  // the 2018 dumps hold days
            if (t > endTime + 86400 * 30) t = endTime + 86400 * 30;  // a few reviews after the window
            const std::int64_t item = drawItem();
            std::string text;
            const std::size_t words = 20 + pick(160);
            for (std::size_t w = 0; w < words; ++w) {
                if (w) text += ' ';
                text += kReviewWords[pick(kReviewWordCount)];
            }
            const int rating = 1 + static_cast<int>(pick(5));
            line = "{\"overall\": " + std::to_string(rating) + ".0, \"verified\": " + (r % 3 ? "true" : "false") +
                   ", \"reviewTime\": \"11 9, 2012\", \"reviewerID\": \"" + id + "\", \"asin\": \"" + asinOf(item) +
                   "\", \"style\": {\"Format:\": \" DVD\"}, \"reviewerName\": \"Reviewer " + std::to_string(user % 1000) +
                   "\", \"reviewText\": \"" + text + "\", \"summary\": \"" + (rating > 3 ? "Great" : "Meh") +
                   "\", \"unixReviewTime\": " + std::to_string(t);
            if (r % 7 == 3) line += ", \"vote\": \"" + std::to_string(1 + r) + "\", \"image\": [\"https://images.example/x.jpg\"]";
            line += "}\n";
            buffer += line;
            files.reviewTextBytes += line.size();
            ++files.reviewLines;
        }
        if (buffer.size() > (1u << 20)) {
            reviews.write(buffer);
            buffer.clear();
        }
    }
    reviews.write(buffer);
    reviews.close();
    return files;
}

}  // namespace flower::prepare
