#include "core/prepare/dataset_files.h"

#include "core/prepare/python_text.h"
#include "core/util/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace flower::prepare {

namespace {

class OutputFile {
public:
    explicit OutputFile(std::string path) : path_(std::move(path)), file_(std::fopen(path_.c_str(), "wb")) {
        if (file_ == nullptr) throw Error({path_, 0, ""}, std::string("cannot create the file: ") + std::strerror(errno));
    }
    ~OutputFile() {
        if (file_ != nullptr) std::fclose(file_);
    }
    void write(const std::string& text) {
        if (!text.empty() && std::fwrite(text.data(), 1, text.size(), file_) != text.size()) fail();
    }
    void close() {
        const int rc = std::fclose(file_);
        file_ = nullptr;
        if (rc != 0) fail();
    }

private:
    [[noreturn]] void fail() const {
        throw Error({path_, 0, ""}, std::string("cannot write the file: ") + std::strerror(errno));
    }
    std::string path_;
    std::FILE* file_;
};

// What one kept item contributes to a row, formatted once.
struct ItemText {
    std::string asin, asinRepr, title, titleRepr, id;
};

const char* const kHeader =
    "user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,"
    "history_rating,rating,history_timestamp,timestamp\r\n";

}  // namespace

void writeTextFile(const std::string& path, const std::string& text) {
    OutputFile f(path);
    f.write(text);
    f.close();
}

WrittenRows writeDatasetFiles(const std::string& folder, const MetaTable& meta, const ReviewTable& table,
                              const CoreResult& core, const InteractionRows& rows,
                              TitleInteractions& trainHistories) {
    std::vector<ItemText> items(rows.itemOrder.size());
    {
        OutputFile info(folder + "/items.tsv");
        std::string text;
        for (std::size_t id = 0; id < rows.itemOrder.size(); ++id) {
            const std::uint32_t item = rows.itemOrder[id];
            ItemText& t = items[id];
            t.asin = std::string(meta.asins.at(item));
            t.asinRepr = pythonRepr(t.asin);
            t.title = core.titles[item];
            t.titleRepr = pythonRepr(t.title);
            t.id = std::to_string(id);
            text.append(t.title).append("\t").append(t.id).append("\n");
        }
        info.write(text);
        info.close();
    }
    const auto itemOf = [&](std::uint32_t position) -> const ItemText& {
        return items[static_cast<std::size_t>(rows.idOfItem[table.reviews[rows.sequence[position]].item])];
    };
    const auto review = [&](std::uint32_t position) -> const Review& { return table.reviews[rows.sequence[position]]; };

    WrittenRows written;
    const std::size_t bounds[4] = {0, rows.trainEnd, rows.validEnd, rows.rows.size()};
    const char* names[3] = {"train.csv", "valid.csv", "test.csv"};
    std::string field, line;
    for (int split = 0; split < 3; ++split) {
        OutputFile out(folder + "/" + names[split]);
        std::string buffer = kHeader;
        for (std::size_t r = bounds[split]; r < bounds[split + 1]; ++r) {
            const InteractionRow& row = rows.rows[r];
            const ItemText& target = itemOf(row.target);
            const auto list = [&](auto piece) {
                field.assign("[");
                for (std::uint32_t p = row.historyBegin; p < row.target; ++p) {
                    if (p != row.historyBegin) field.append(", ");
                    piece(p);
                }
                field.append("]");
                appendCsvField(buffer, field);
                buffer += ',';
            };
            appendCsvField(buffer, table.users.at(review(row.target).user));
            buffer += ',';
            list([&](std::uint32_t p) { field.append(itemOf(p).asinRepr); });
            appendCsvField(buffer, target.asin);
            buffer += ',';
            list([&](std::uint32_t p) { field.append(itemOf(p).id); });
            buffer.append(target.id).append(",");
            list([&](std::uint32_t p) { field.append(itemOf(p).titleRepr); });
            appendCsvField(buffer, target.title);
            buffer += ',';
            list([&](std::uint32_t p) { field.append(table.ratings[review(p).rating]); });
            buffer.append(table.ratings[review(row.target).rating]).append(",");
            list([&](std::uint32_t p) { field.append(std::to_string(review(p).time)); });
            buffer.append(std::to_string(review(row.target).time)).append("\r\n");
            if (split == 0) {
                for (std::uint32_t p = row.historyBegin; p < row.target; ++p) trainHistories.add(itemOf(p).title);
            }
            if (buffer.size() > (std::size_t{1} << 20)) {
                out.write(buffer);
                buffer.clear();
            }
        }
        out.write(buffer);
        out.close();
        const auto count = static_cast<std::int64_t>(bounds[split + 1] - bounds[split]);
        (split == 0 ? written.train : split == 1 ? written.valid : written.test) = count;
    }
    return written;
}

}  // namespace flower::prepare
