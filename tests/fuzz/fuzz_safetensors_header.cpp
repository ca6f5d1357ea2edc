// libFuzzer target for the safetensors header parser (core/model/safetensors_header.cpp): any
// byte string must either parse into a header whose ranges lie inside the input and tile the
// data area, or throw flower::Error — never crash, hang, overflow or throw anything else.
// Build and run: see tests/fuzz/README.md (opt-in, outside the main build).
#include "core/model/safetensors_header.h"
#include "core/util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto header = flower::model::parseSafetensorsHeader(data, size, "fuzz.safetensors");
        std::uint64_t cursor = 0;
        for (const auto& t : header.tensors) {
            // The invariants the reader relies on before it touches tensor bytes.
            if (t.begin != cursor || t.end < t.begin || header.dataStart + t.end > size) {
                std::abort();
            }
            std::uint64_t bytes = flower::model::dtypeSize(t.dtype);
            for (auto d : t.shape) {
                bytes *= static_cast<std::uint64_t>(d);
            }
            if (bytes != t.end - t.begin) {
                std::abort();
            }
            cursor = t.end;
        }
        if (header.dataStart + cursor != size) {
            std::abort();
        }
    } catch (const flower::Error&) {
        // Rejected input: the expected outcome for almost every mutation.
    }
    return 0;
}
