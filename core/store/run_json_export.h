// JSON export of a whole run: its description (status, times, seed, code version, host,
// device, tags, notes), the resolved config as an object, and every measurement. Series are
// stored column-wise ({"step": [...], "epoch": [...], "value": [...], "wall_time": [...]}) to
// stay compact for long runs. Failure: flower::Error for an unknown run id.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>

namespace flower::store {

class RunStore;

nlohmann::json exportRunJson(RunStore& store, std::int64_t runId);

}  // namespace flower::store
