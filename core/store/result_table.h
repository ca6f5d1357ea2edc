// ResultTable: a table of results across runs (rows = methods or runs, column groups =
// datasets) and its renderings as CSV, Markdown and LaTeX (booktabs). A cell holds one value
// per seed; it shows the mean, and "mean ± std" (sample standard deviation) when there are
// several. In Markdown and LaTeX the best value of each column is bold and the second best
// underlined, judged on the values as printed (ties share the mark), lower being better
// where the column says so (DGU, MGU).
// Pure data and text: no SQLite here (table_builder.h fills it from a RunStore).
#pragma once

#include <string>
#include <vector>

namespace flower::store {

struct TableColumn {
    std::string header;          // "NDCG@5"
    bool lowerIsBetter = false;  // DGU@10, MGU@10, divergences
};

struct ColumnGroup {
    std::string name;            // dataset; "" for a table without groups
    std::vector<TableColumn> columns;
};

struct TableCell {
    std::vector<double> values;  // one per seed; empty = no result
    double mean() const;
    double stddev() const;       // sample standard deviation (n − 1); 0 for one value
};

struct ResultRow {
    std::string label;
    std::vector<TableCell> cells;  // one per column, groups flattened in order
};

struct ResultTable {
    std::string rowHeader = "Method";
    std::vector<ColumnGroup> groups;
    std::vector<ResultRow> rows;
    int decimals = 4;            // printed precision of Markdown and LaTeX (CSV: 6)
    // Footnotes on how cells were computed (SASRec's top-1 figures): Markdown prints them
    // under the table ("Note: …"), LaTeX as a last full-width row; CSV holds only data.
    std::vector<std::string> notes;

    std::size_t columnCount() const;
    // 1 = best, 2 = second, 0 = neither, for row r and flattened column c.
    int rank(std::size_t r, std::size_t c) const;

    // A cell as Markdown and LaTeX print it, without marks: "0.0320", "0.0330 ± 0.0014", "–".
    std::string cellText(std::size_t r, std::size_t c) const;

    // Wide CSV: the row label, then per column "<group>/<header>" (mean), "… std", "… n".
    std::string toCsv() const;
    // A GitHub-flavoured Markdown table; headers "<group> <header>", ↓ on lower-is-better.
    std::string toMarkdown() const;
    // A booktabs tabular (\toprule, \cmidrule under each group, \midrule, \bottomrule).
    std::string toLatex() const;
};

}  // namespace flower::store
