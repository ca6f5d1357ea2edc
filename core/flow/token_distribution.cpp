#include "core/flow/token_distribution.h"

#include "core/flow/coarse_flows.h"
#include "core/util/error.h"

#include <fstream>

namespace flower::flow {

namespace {
std::string joinIds(const std::vector<TokenId>& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) s += '-';
        s += std::to_string(ids[i]);
    }
    return s;
}
}  // namespace

nlohmann::ordered_json tokenDistributionJson(const FlowTable& flows, int granularity) {
    const CoarseFlows coarse(flows, granularity);
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    // Depth-first over coarse states; `chunks` holds the path's chunk keys.
    std::vector<std::string> chunks;
    const auto keyOf = [&]() {
        if (chunks.empty()) return std::string("first");
        std::string key;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            if (i > 0) key += granularity == 1 ? '-' : '@';
            key += chunks[i];
        }
        return key;
    };
    const auto visit = [&](auto&& self, CoarseFlows::State state) -> void {
        const auto steps = coarse.steps(state);
        if (steps.empty() || coarse.flow(state) <= 0.0) return;
        nlohmann::ordered_json row = nlohmann::ordered_json::object();
        for (const auto& step : steps) {
            if (step.flow > 0.0) row[joinIds(step.tokens)] = step.logReward;
        }
        out[keyOf()] = std::move(row);
        for (const auto& step : steps) {
            if (step.terminates || step.flow <= 0.0) continue;
            chunks.push_back(joinIds(step.tokens));
            self(self, step.to);
            chunks.pop_back();
        }
    };
    visit(visit, coarse.root());
    return out;
}

void writeTokenDistribution(const FlowTable& flows, int granularity,
                            const std::filesystem::path& path) {
    const auto json = tokenDistributionJson(flows, granularity);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error({path.string(), 0, ""}, "cannot write the token distribution");
    out << json.dump() << '\n';
    if (!out) throw Error({path.string(), 0, ""}, "writing the token distribution failed");
}

}  // namespace flower::flow
