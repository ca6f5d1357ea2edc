// Runs a program as a child process and captures what it prints — for end-to-end tests of the
// CLI (and, later, writer processes of the run store). POSIX only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace flower::test {

struct ProcessResult {
    int exitCode = -1;      // exit status, or 128 + signal number
    std::string out;        // stdout
    std::string err;        // stderr
};

// Runs `argv` (argv[0] is the program path) with the current environment changed by `env`
// (a value of "\x01unset" removes the variable) and waits for it.
ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});

inline const std::string kUnset = "\x01unset";

// In a forked child: replaces the process with `argv` (argv[0] the program path); exits 127 when
// the program cannot be started. Shared by runProcess and Child.
[[noreturn]] void execOrExit(const std::vector<std::string>& argv);

}  // namespace flower::test
