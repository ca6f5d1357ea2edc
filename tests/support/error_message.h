// For bad-input tests: the message a user would see.
#pragma once

#include "core/util/error.h"

#include <string>

namespace flower::test {

// The message of the flower::Error that `f` throws, or "" when it throws none (any other
// exception propagates and fails the test).
template <typename F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const flower::Error& e) {
        return e.what();
    }
    return "";
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace flower::test
