// Run id lists as the command lines take them: "1,3,5-8" → 1, 3, 5, 6, 7, 8 (in the order
// written; duplicates kept). Failure: flower::Error naming `option` and the bad part.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flower::compare {

std::vector<std::int64_t> parseRunIdList(const std::string& text, const std::string& option = "--runs");

}  // namespace flower::compare
