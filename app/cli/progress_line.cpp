#include "progress_line.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace flower::cli {

namespace {

constexpr std::size_t kBarWidth = 24;

std::string fixed(double value, int digits) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

// Loss values span 1e-3 … 1e2: four significant digits read well for all of them.
std::string significant(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
    return buffer;
}

// "loss/subtb" → "subtb": the prefix is the same for every loss.
std::string shortName(const std::string& key) {
    const auto slash = key.find('/');
    return slash == std::string::npos ? key : key.substr(slash + 1);
}

}  // namespace

ProgressLine::ProgressLine(std::FILE* out, bool terminal, std::int64_t plainEvery)
    : out_(out), terminal_(terminal), plainEvery_(plainEvery < 1 ? 1 : plainEvery) {}

std::string ProgressLine::formatDuration(double seconds) {
    if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
    const auto total = static_cast<std::int64_t>(std::llround(seconds));
    const std::int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
    char buffer[32];
    if (h > 0) {
        std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", static_cast<long long>(h),
                      static_cast<long long>(m));
    } else if (m > 0) {
        std::snprintf(buffer, sizeof buffer, "%lldm%02llds", static_cast<long long>(m),
                      static_cast<long long>(s));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llds", static_cast<long long>(s));
    }
    return buffer;
}

std::string ProgressLine::describe(const ProgressState& state) {
    // Built with append(): GCC 12 warns falsely (-Wrestrict) on `"literal" + std::string`.
    std::string text = "step ";
    text.append(std::to_string(state.step));
    if (state.totalSteps > 0) text.append("/").append(std::to_string(state.totalSteps));
    text.append("  epoch ").append(fixed(state.epoch, 2));
    for (const auto& [key, value] : state.losses) {
        text.append("  ").append(shortName(key)).append(" ").append(significant(value));
    }
    text.append("  ").append(fixed(state.tokensPerSecond, 0)).append(" tok/s");
    text.append("  ETA ").append(formatDuration(state.etaSeconds));
    return text;
}

void ProgressLine::clearBar() {
    if (terminal_ && barShown_) {
        std::fputs("\r\033[2K", out_);
        barShown_ = false;
    }
}

void ProgressLine::update(const ProgressState& state) {
    std::lock_guard lock(mutex_);
    const bool last = state.totalSteps > 0 && state.step >= state.totalSteps;
    if (!terminal_) {
        if (state.step % plainEvery_ == 0 || last) {
            std::fprintf(out_, "%s\n", describe(state).c_str());
            std::fflush(out_);
        }
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (barShown_ && !last && now - lastDraw_ < std::chrono::milliseconds(100)) return;
    lastDraw_ = now;
    const double fraction =
        state.totalSteps > 0 ? std::min(1.0, static_cast<double>(state.step) / state.totalSteps) : 0.0;
    const auto filled = static_cast<std::size_t>(std::clamp(fraction, 0.0, 1.0) * kBarWidth);
    std::string bar(1, '[');
    bar.append(filled, '#').append(kBarWidth - filled, '.').append("] ").append(describe(state));
    lastBar_ = std::move(bar);
    std::fprintf(out_, "\r\033[2K%s", lastBar_.c_str());
    std::fflush(out_);
    barShown_ = true;
}

void ProgressLine::activity(const std::string& text) {
    std::lock_guard lock(mutex_);
    if (!terminal_) return;
    const auto now = std::chrono::steady_clock::now();
    if (barShown_ && now - lastDraw_ < std::chrono::milliseconds(100)) return;
    lastDraw_ = now;
    std::fprintf(out_, "\r\033[2K%s", text.c_str());
    std::fflush(out_);
    barShown_ = true;
}

void ProgressLine::message(const std::string& text) {
    std::lock_guard lock(mutex_);
    clearBar();
    std::fprintf(out_, "%s\n", text.c_str());
    if (terminal_ && !lastBar_.empty()) {
        std::fprintf(out_, "%s", lastBar_.c_str());
        barShown_ = true;
    }
    std::fflush(out_);
}

void ProgressLine::finish() {
    std::lock_guard lock(mutex_);
    if (terminal_ && barShown_) {
        std::fputs("\n", out_);
        barShown_ = false;
    }
    std::fflush(out_);
}

}  // namespace flower::cli
