// The integer type of a tokenizer's token ids, shared by core/text, core/flow and the models.
#pragma once

#include <cstdint>

namespace flower::text {

using TokenId = std::int32_t;

}  // namespace flower::text
