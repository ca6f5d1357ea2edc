// Child: a program started in the background whose output a test reads line by line while it
// runs (a writer process, `flower train` with progress lines), and can signal or kill. The
// destructor kills and reaps a child still running. Not thread-safe; one reader.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flower::test {

class Child {
public:
    enum class Stream { Stdout, Stderr };
    // argv[0] is the program's path. `stream` is the output readLine() returns; the other one
    // is inherited from the test.
    explicit Child(const std::vector<std::string>& argv, Stream stream = Stream::Stdout);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // Next complete line, waiting at most `timeoutMs`; nullopt at end of output or timeout.
    std::optional<std::string> readLine(int timeoutMs);
    // Everything the child still writes, until it closes the stream.
    std::string readRest();
    void signal(int signalNumber);
    void kill();
    // Exit status (128 + signal when killed by one).
    int wait();

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string pending_;
};

}  // namespace flower::test
