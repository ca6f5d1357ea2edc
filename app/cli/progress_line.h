// ProgressLine: how `flower train` shows a run while it trains. On a terminal, one line redrawn
// in place (a bar, step/total, epoch, the losses, tokens/s, ETA), at most 10 times a second; when
// stdout is a pipe or a file, plain lines instead — one every `plainEvery` steps and at the
// last step — so logs stay readable and diffable. Messages (evaluations, checkpoints) print
// above the bar. Thread-safe: the training worker updates it while the main thread may print
// a message (Ctrl-C).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace flower::cli {

struct ProgressState {
    std::int64_t step = 0;          // optimiser steps done
    std::int64_t totalSteps = 0;    // planned steps (0: unknown)
    double epoch = 0.0;             // fractional epoch
    std::vector<std::pair<std::string, double>> losses;  // "loss/total", "loss/sft", ...
    double tokensPerSecond = 0.0;
    double etaSeconds = -1.0;       // < 0: unknown
};

class ProgressLine {
public:
    ProgressLine(std::FILE* out, bool terminal, std::int64_t plainEvery = 10);
    void update(const ProgressState& state);
    // A line of its own (the bar is redrawn below it on a terminal).
    void message(const std::string& text);
    // What the run does between steps (an evaluation's progress): on a terminal it replaces
    // the bar's text until the next update (at most 10 times a second); plain output ignores it.
    void activity(const std::string& text);
    // Ends the bar's line (a terminal keeps the last state visible).
    void finish();

    // The text of one state without the bar (what plain mode prints); public for tests.
    static std::string describe(const ProgressState& state);
    // "1h02m", "3m05s", "42s", "?" for a negative value.
    static std::string formatDuration(double seconds);

private:
    void clearBar();
    std::mutex mutex_;
    std::FILE* out_;
    bool terminal_;
    std::int64_t plainEvery_;
    bool barShown_ = false;
    std::string lastBar_;
    std::chrono::steady_clock::time_point lastDraw_{};
};

}  // namespace flower::cli
