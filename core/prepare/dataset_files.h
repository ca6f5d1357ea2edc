// DatasetFiles: writes the prepared rows as the reference does — train.csv, valid.csv,
// test.csv through Python's csv.writer (11 columns, lists as str(list), '\r\n' line ends) and
// items.tsv (`title<TAB>id`, the reference's info file line for line) — and collects the
// train histories' titles for reference_title_interaction.json / reference_group_title_8.json.
// Failure: flower::Error naming the file that could not be written.
#pragma once

#include "core/prepare/amazon_raw.h"
#include "core/prepare/core_selection.h"
#include "core/prepare/interaction_rows.h"
#include "core/prepare/title_interactions.h"

#include <string>

namespace flower::prepare {

struct WrittenRows {
    std::int64_t train = 0, valid = 0, test = 0;
};

// Writes the four files into `folder` and fills `trainHistories` from the train split.
WrittenRows writeDatasetFiles(const std::string& folder, const MetaTable& meta, const ReviewTable& table,
                              const CoreResult& core, const InteractionRows& rows,
                              TitleInteractions& trainHistories);

// Writes `text` to `path` (binary, exactly those bytes).
void writeTextFile(const std::string& path, const std::string& text);

}  // namespace flower::prepare
