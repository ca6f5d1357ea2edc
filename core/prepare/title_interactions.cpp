#include "core/prepare/title_interactions.h"

#include "core/prepare/python_text.h"
#include "core/util/error.h"

#include <algorithm>
#include <numeric>

namespace flower::prepare {

void TitleInteractions::add(std::string_view title) {
    const auto it = index_.find(std::string(title));
    if (it != index_.end()) {
        ++entries_[it->second].second;
        return;
    }
    index_.emplace(std::string(title), entries_.size());
    entries_.emplace_back(std::string(title), 1);
}

std::vector<std::vector<std::string>> TitleInteractions::groups(int count) const {
    if (count < 1) throw Error({"", 0, "groups"}, "expected at least one group, got " + std::to_string(count));
    std::vector<std::size_t> order(entries_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return entries_[a].second > entries_[b].second; });
    const std::size_t g = static_cast<std::size_t>(count);
    const std::size_t base = order.size() / g, extra = order.size() % g;
    std::vector<std::vector<std::string>> out(g);
    std::size_t next = 0;
    for (std::size_t k = 0; k < g; ++k) {
        for (std::size_t i = 0; i < base + (k < extra ? 1 : 0); ++i) out[k].push_back(entries_[order[next++]].first);
    }
    return out;
}

std::string TitleInteractions::interactionJson() const {
    if (entries_.empty()) return "{}";
    std::string out = "{";
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        out += i == 0 ? "\n    " : ",\n    ";
        appendJsonString(out, entries_[i].first);
        out += ": ";
        out += std::to_string(entries_[i].second);
    }
    out += "\n}";
    return out;
}

std::string TitleInteractions::groupJson(int count) const {
    const auto groups = this->groups(count);
    std::string out = "{";
    for (std::size_t k = 0; k < groups.size(); ++k) {
        out += k == 0 ? "\n    \"" : ",\n    \"";
        out += std::to_string(k);
        out += "\": ";
        if (groups[k].empty()) {
            out += "[]";
            continue;
        }
        out += '[';
        for (std::size_t i = 0; i < groups[k].size(); ++i) {
            out += i == 0 ? "\n        " : ",\n        ";
            appendJsonString(out, groups[k][i]);
        }
        out += "\n    ]";
    }
    out += "\n}";
    return out;
}

}  // namespace flower::prepare
