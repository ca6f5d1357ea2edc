// Who owns a running run: process id, host name and the process's start time (from
// /proc/<pid>/stat), so a recycled pid is not mistaken for the original owner. Used to mark
// runs whose worker died as `interrupted` when a store is opened.
#pragma once

#include <cstdint>
#include <string>

namespace flower::store {

struct ProcessOwner {
    std::int64_t pid = 0;
    std::string host;
    std::string start;  // field 22 of /proc/<pid>/stat; "" where unavailable

    // This process.
    static ProcessOwner current();
};

std::string hostName();

// True when `owner` runs on this host and is still alive (same pid and same start time).
// An owner on another host cannot be checked: it counts as alive.
bool ownerIsAlive(const ProcessOwner& owner);

}  // namespace flower::store
