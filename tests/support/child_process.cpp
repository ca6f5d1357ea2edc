#include "tests/support/child_process.h"

#include "tests/support/process.h"

#include <chrono>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace flower::test {

Child::Child(const std::vector<std::string>& argv, Stream stream) {
    int fds[2];
    if (::pipe(fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(fds[1], stream == Stream::Stdout ? 1 : 2);
        ::close(fds[0]);
        ::close(fds[1]);
        execOrExit(argv);
    }
    ::close(fds[1]);
    fd_ = fds[0];
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait();
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::optional<std::string> Child::readLine(int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (true) {
        const auto nl = pending_.find('\n');
        if (nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 || fd_ < 0) {
            return std::nullopt;
        }
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
            continue;
        }
        char buffer[4096];
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n <= 0) {
            ::close(fd_);
            fd_ = -1;
            continue;
        }
        pending_.append(buffer, static_cast<size_t>(n));
    }
}

std::string Child::readRest() {
    std::string out;
    while (const auto line = readLine(600000)) {
        out += *line + "\n";
    }
    out += pending_;
    pending_.clear();
    return out;
}

void Child::signal(int signalNumber) { ::kill(pid_, signalNumber); }

void Child::kill() { ::kill(pid_, SIGKILL); }

int Child::wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace flower::test
