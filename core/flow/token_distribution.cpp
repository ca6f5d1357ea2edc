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

std::vector<TokenDistributionRow> tokenDistributionRows(const FlowTable& flows, int granularity) {
    const CoarseFlows coarse(flows, granularity);
    std::vector<TokenDistributionRow> rows;
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
        TokenDistributionRow row{keyOf(), {}};
        for (const auto& step : steps) {
            if (step.flow > 0.0) row.steps.emplace_back(joinIds(step.tokens), step.logReward);
        }
        rows.push_back(std::move(row));
        for (const auto& step : steps) {
            if (step.terminates || step.flow <= 0.0) continue;
            chunks.push_back(joinIds(step.tokens));
            self(self, step.to);
            chunks.pop_back();
        }
    };
    visit(visit, coarse.root());
    return rows;
}

nlohmann::json tokenDistributionJson(const FlowTable& flows, int granularity) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& row : tokenDistributionRows(flows, granularity)) {
        nlohmann::json& r = out[row.key] = nlohmann::json::object();
        for (const auto& [key, value] : row.steps) r[key] = value;
    }
    return out;
}

void writeTokenDistribution(const FlowTable& flows, int granularity,
                            const std::filesystem::path& path) {
    const auto rows = tokenDistributionRows(flows, granularity);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error({path.string(), 0, ""}, "cannot write the token distribution");
    // Streamed by hand: keys are ASCII digits, '-', '@' and "first", so need no escaping, and the
    // numbers use nlohmann's shortest round-trip form.
    out << '{';
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out << (i > 0 ? ",\"" : "\"") << rows[i].key << "\":{";
        for (std::size_t k = 0; k < rows[i].steps.size(); ++k) {
            out << (k > 0 ? ",\"" : "\"") << rows[i].steps[k].first
                << "\":" << nlohmann::json(rows[i].steps[k].second).dump();
        }
        out << '}';
    }
    out << "}\n";
    if (!out) throw Error({path.string(), 0, ""}, "writing the token distribution failed");
}

}  // namespace flower::flow
