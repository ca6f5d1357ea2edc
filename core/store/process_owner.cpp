#include "core/store/process_owner.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>

#include <sys/types.h>
#include <unistd.h>

namespace flower::store {

namespace {
std::string startTimeOf(std::int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) {
        return "";
    }
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return "";
    }
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) {
            return field;
        }
    }
    return "";
}
}  // namespace

std::string hostName() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) {
        return "localhost";
    }
    return buffer;
}

ProcessOwner ProcessOwner::current() {
    const auto pid = static_cast<std::int64_t>(::getpid());
    return {pid, hostName(), startTimeOf(pid)};
}

bool ownerIsAlive(const ProcessOwner& owner) {
    if (owner.host != hostName()) {
        return true;
    }
    if (owner.pid <= 0) {
        return false;
    }
    if (::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno != EPERM) {
        return false;
    }
    const std::string start = startTimeOf(owner.pid);
    if (!owner.start.empty() && !start.empty() && start != owner.start) {
        return false;  // the pid now belongs to another process
    }
    // A zombie (killed, not yet reaped) still answers kill(pid, 0) but will never write again.
    std::ifstream in("/proc/" + std::to_string(owner.pid) + "/stat");
    std::string line;
    if (std::getline(in, line)) {
        const auto close = line.rfind(')');
        if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
            return false;
        }
    }
    return true;
}

}  // namespace flower::store
