#include "core/flow/title_rewards.h"

#include "core/text/json_access.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace flower::flow {

TitleRewards readTitleRewardsJson(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error({path.string(), 0, ""}, "cannot open the rewards file");
    std::ostringstream text;
    text << in.rdbuf();
    // ordered_json keeps the file's order, which becomes the title order.
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(text.str());
    } catch (const nlohmann::json::parse_error&) {
        // Reuse the line-reporting parser for the message.
        text::json_access::parse(text.str(), path.string());
        throw;
    }
    if (!doc.is_object()) throw Error({path.string(), 0, ""}, "expected an object {title: count}");
    TitleRewards r;
    for (const auto& [title, value] : doc.items()) {
        if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
            throw Error({path.string(), 0, "\"" + title + "\""}, "expected a number ≥ 0");
        }
        r.titles.push_back(title);
        r.values.push_back(value.get<double>());
    }
    return r;
}

std::vector<TitleItem> itemsOf(const TitleRewards& rewards) {
    std::vector<TitleItem> items;
    items.reserve(rewards.titles.size());
    for (std::size_t i = 0; i < rewards.titles.size(); ++i) {
        items.push_back({static_cast<std::int64_t>(i), rewards.titles[i]});
    }
    return items;
}

std::vector<double> rewardsForTrie(const TitleTrie& trie, const TitleRewards& rewards) {
    std::vector<double> out(trie.titleCount(), 0.0);
    for (std::size_t i = 0; i < rewards.titles.size(); ++i) {
        const auto t = trie.findTitle(rewards.titles[i]);
        if (!t) {
            throw Error({"", 0, "rewards"}, "reward for \"" + rewards.titles[i] +
                                                "\", which is not a title of the catalogue");
        }
        out[*t] += rewards.values[i];
    }
    return out;
}

}  // namespace flower::flow
