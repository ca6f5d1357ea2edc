// The program test_launcher's launchers start: prints what it received as one JSON object
// {"argv": [...], "omp_wait_policy": ..., "openblas_thread_timeout": ..., "marker": ...} (null for
// an unset variable) and exits with the status given by FLOWER_PROBE_EXIT (default 0).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace {
nlohmann::json variable(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? nlohmann::json(value) : nlohmann::json();
}
}  // namespace

int main(int argc, char** argv) {
    nlohmann::json out;
    out["argv"] = nlohmann::json::array();
    for (int i = 0; i < argc; ++i) {
        out["argv"].push_back(argv[i]);
    }
    out["omp_wait_policy"] = variable("OMP_WAIT_POLICY");
    out["openblas_thread_timeout"] = variable("OPENBLAS_THREAD_TIMEOUT");
    out["marker"] = variable("FLOWER_PROBE_MARKER");
    std::printf("%s\n", out.dump().c_str());
    const char* status = std::getenv("FLOWER_PROBE_EXIT");
    return status != nullptr ? std::atoi(status) : 0;
}
