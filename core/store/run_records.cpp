#include "core/store/run_records.h"

#include "core/util/error.h"

#include <array>
#include <utility>

namespace flower::store {

namespace {
constexpr std::array<std::pair<RunStatus, std::string_view>, 6> kStatusNames = {{
    {RunStatus::Queued, "queued"},
    {RunStatus::Running, "running"},
    {RunStatus::Finished, "finished"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Cancelled, "cancelled"},
    {RunStatus::Interrupted, "interrupted"},
}};
}  // namespace

std::string_view toString(RunStatus status) {
    for (const auto& [s, name] : kStatusNames) {
        if (s == status) {
            return name;
        }
    }
    return "queued";
}

RunStatus parseRunStatus(std::string_view name) {
    for (const auto& [s, n] : kStatusNames) {
        if (n == name) {
            return s;
        }
    }
    throw Error("unknown run status \"" + std::string(name) +
                "\" (expected queued, running, finished, failed, cancelled or interrupted)");
}

std::string_view toString(DivergenceLevel level) {
    return level == DivergenceLevel::Title ? "title" : "token";
}

std::string_view toString(DivergenceKind kind) {
    switch (kind) {
        case DivergenceKind::KlTargetPolicy: return "kl_tr";
        case DivergenceKind::KlPolicyTarget: return "kl_rt";
        case DivergenceKind::Js: return "js";
    }
    return "js";
}

}  // namespace flower::store
