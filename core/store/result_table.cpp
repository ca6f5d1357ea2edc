#include "core/store/result_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace flower::store {

namespace {

std::string fixed(double v, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    std::string s = buffer;
    if (s.rfind("-0.", 0) == 0 && std::stod(s) == 0.0) {
        s.erase(0, 1);  // "-0.0000" reads as a sign that is not there
    }
    return s;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) {
        return s;
    }
    std::string out = "\"";
    for (const char c : s) {
        out += c == '"' ? "\"\"" : std::string(1, c);
    }
    return out + "\"";
}

std::string latexEscape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '_': case '&': case '%': case '#': case '$': case '{': case '}':
                out += '\\';
                out += c;
                break;
            default: out += c;
        }
    }
    return out;
}

std::string markdownEscape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
}

}  // namespace

double TableCell::mean() const {
    double sum = 0;
    for (const double v : values) {
        sum += v;
    }
    return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

double TableCell::stddev() const {
    if (values.size() < 2) {
        return 0.0;
    }
    const double m = mean();
    double sq = 0;
    for (const double v : values) {
        sq += (v - m) * (v - m);
    }
    return std::sqrt(sq / static_cast<double>(values.size() - 1));
}

std::size_t ResultTable::columnCount() const {
    std::size_t n = 0;
    for (const auto& g : groups) {
        n += g.columns.size();
    }
    return n;
}

int ResultTable::rank(std::size_t r, std::size_t c) const {
    const TableCell& cell = rows[r].cells[c];
    if (cell.values.empty()) {
        return 0;
    }
    bool lower = false;
    std::size_t index = c;
    for (const auto& g : groups) {
        if (index < g.columns.size()) {
            lower = g.columns[index].lowerIsBetter;
            break;
        }
        index -= g.columns.size();
    }
    // Distinct printed values, best first: equal-looking numbers share a rank.
    std::set<double> distinct;
    for (const auto& row : rows) {
        if (!row.cells[c].values.empty()) {
            distinct.insert(std::stod(fixed(row.cells[c].mean(), decimals)));
        }
    }
    std::vector<double> order(distinct.begin(), distinct.end());
    if (!lower) {
        std::reverse(order.begin(), order.end());
    }
    const double mine = std::stod(fixed(cell.mean(), decimals));
    for (std::size_t i = 0; i < order.size() && i < 2; ++i) {
        if (order[i] == mine) {
            return static_cast<int>(i) + 1;
        }
    }
    return 0;
}

std::string ResultTable::toCsv() const {
    std::string out = csvField(rowHeader);
    for (const auto& g : groups) {
        for (const auto& col : g.columns) {
            const std::string name = g.name.empty() ? col.header : g.name + "/" + col.header;
            for (const std::string& field : {name, name + " std", name + " n"}) {
                out += ',';
                out += csvField(field);
            }
        }
    }
    out += "\n";
    for (const auto& row : rows) {
        out += csvField(row.label);
        for (const auto& cell : row.cells) {
            out += ",";
            if (!cell.values.empty()) {
                out += fixed(cell.mean(), 6);
            }
            out += ",";
            if (cell.values.size() > 1) {
                out += fixed(cell.stddev(), 6);
            }
            out += ',';
            out += std::to_string(cell.values.size());
        }
        out += "\n";
    }
    return out;
}

std::string ResultTable::cellText(std::size_t r, std::size_t c) const {
    const TableCell& cell = rows.at(r).cells.at(c);
    if (cell.values.empty()) return "–";
    std::string text = fixed(cell.mean(), decimals);
    if (cell.values.size() > 1) text += " ± " + fixed(cell.stddev(), decimals);
    return text;
}

std::string ResultTable::toMarkdown() const {
    std::string header = "| " + markdownEscape(rowHeader) + " |";
    std::string rule = "| --- |";
    for (const auto& g : groups) {
        for (const auto& col : g.columns) {
            header += ' ';
            header += markdownEscape(g.name.empty() ? col.header : g.name + " " + col.header);
            header += col.lowerIsBetter ? " ↓ |" : " |";
            rule += " ---: |";
        }
    }
    std::string out = header + "\n" + rule + "\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        out += "| " + markdownEscape(rows[r].label) + " |";
        for (std::size_t c = 0; c < rows[r].cells.size(); ++c) {
            if (rows[r].cells[c].values.empty()) {
                out += " – |";
                continue;
            }
            const std::string text = cellText(r, c);
            const int k = rank(r, c);
            out += ' ';
            out += k == 1 ? "**" : k == 2 ? "<u>" : "";
            out += text;
            out += k == 1 ? "** |" : k == 2 ? "</u> |" : " |";
        }
        out += "\n";
    }
    for (std::size_t i = 0; i < notes.size(); ++i) {
        out += (i == 0 ? "\nNote: " : "Note: ") + markdownEscape(notes[i]) + "\n";
    }
    return out;
}

std::string ResultTable::toLatex() const {
    const std::size_t n = columnCount();
    std::string spec = "l";
    for (const auto& g : groups) {
        spec += std::string(g.columns.size(), 'c');
    }
    std::string out = "% Requires \\usepackage{booktabs}.\n\\begin{tabular}{" + spec + "}\n\\toprule\n";
    const bool grouped = std::any_of(groups.begin(), groups.end(),
                                     [](const ColumnGroup& g) { return !g.name.empty(); });
    if (grouped) {
        std::string names, rules;
        std::size_t first = 2;
        for (const auto& g : groups) {
            const std::size_t last = first + g.columns.size() - 1;
            names += " & \\multicolumn{" + std::to_string(g.columns.size()) + "}{c}{" +
                     latexEscape(g.name) + "}";
            rules += rules.empty() ? "\\cmidrule(lr){" : " \\cmidrule(lr){";
            rules += std::to_string(first);
            rules += '-';
            rules += std::to_string(last);
            rules += '}';
            first = last + 1;
        }
        out += names + " \\\\\n" + rules + "\n";
    }
    out += latexEscape(rowHeader);
    for (const auto& g : groups) {
        for (const auto& col : g.columns) {
            out += " & " + latexEscape(col.header) + (col.lowerIsBetter ? "$\\downarrow$" : "");
        }
    }
    out += " \\\\\n\\midrule\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        out += latexEscape(rows[r].label);
        for (std::size_t c = 0; c < n && c < rows[r].cells.size(); ++c) {
            const TableCell& cell = rows[r].cells[c];
            if (cell.values.empty()) {
                out += " & --";
                continue;
            }
            std::string text = fixed(cell.mean(), decimals);
            if (cell.values.size() > 1) {
                text += " $\\pm$ " + fixed(cell.stddev(), decimals);
            }
            const int k = rank(r, c);
            out += " & " + (k == 1   ? "\\textbf{" + text + "}"
                            : k == 2 ? "\\underline{" + text + "}"
                                     : text);
        }
        out += " \\\\\n";
    }
    out += "\\bottomrule\n";
    for (const auto& note : notes) {
        out += "\\multicolumn{" + std::to_string(n + 1) + "}{l}{\\footnotesize " +
               latexEscape(note) + "} \\\\\n";
    }
    out += "\\end{tabular}\n";
    return out;
}

}  // namespace flower::store
