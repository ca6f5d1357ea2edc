#include "core/decode/item_guidance.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace flower::decode {

ItemGuidance::ItemGuidance(const flow::TitleTrie& trie, std::span<const float> scores) : trie_(&trie) {
    // Softmax over all items in double (the reference's torch softmax of the float row).
    double top = -INFINITY;
    for (float s : scores) top = std::max(top, static_cast<double>(s));
    double z = 0.0;
    for (float s : scores) z += std::exp(static_cast<double>(s) - top);
    const auto all = trie.titlesBelow(flow::TitleTrie::kRoot);
    order_ = all.data();
    prefix_.assign(all.size() + 1, 0.0);
    for (std::size_t i = 0; i < all.size(); ++i) {
        double mass = 0.0;
        for (const std::int64_t item : trie.itemIds(all[i])) {
            if (item < 0 || static_cast<std::size_t>(item) >= scores.size()) {
                throw Error({"", 0, "item scores"}, "item id " + std::to_string(item) + " of title \"" +
                                                        trie.title(all[i]) + "\" is outside the score row of " +
                                                        std::to_string(scores.size()) + " items");
            }
            mass += std::exp(static_cast<double>(scores[static_cast<std::size_t>(item)]) - top) / z;
        }
        prefix_[i + 1] = prefix_[i] + mass;
    }
}

double ItemGuidance::massBelow(flow::NodeId node) const {
    const auto below = trie_->titlesBelow(node);
    const auto from = static_cast<std::size_t>(below.data() - order_);
    return prefix_[from + below.size()] - prefix_[from];
}

std::vector<double> ItemGuidance::logGuidance(std::span<const flow::NodeId> children) const {
    std::vector<double> out(children.size());
    double total = 0.0;
    for (std::size_t i = 0; i < children.size(); ++i) {
        out[i] = massBelow(children[i]) + 1e-20;
        total += out[i];
    }
    for (double& v : out) v = std::log(v / total);
    return out;
}

}  // namespace flower::decode
