// The header of a safetensors file (https://github.com/huggingface/safetensors): an 8-byte
// little-endian length, a JSON table {name: {dtype, shape, data_offsets}}, then the tensor bytes.
// The file is untrusted input, so parsing checks everything before any byte is trusted: header
// length vs file size, JSON shape, known dtypes, shape × dtype size == byte range, ranges inside
// the data area, no overlaps and no gaps. Failure is a flower::Error naming the file and tensor.
// This unit has no LibTorch dependency so that the fuzz target (tests/fuzz) links only it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flower::model {

// Element types of the format that this project reads and writes.
enum class SafetensorsDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

// Bytes per element.
std::size_t dtypeSize(SafetensorsDtype dtype);
// The format's spelling: "F32", "BF16", ...
std::string_view dtypeName(SafetensorsDtype dtype);

// One tensor of the table. Offsets are relative to the start of the data area.
struct SafetensorsEntry {
    std::string name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

struct SafetensorsHeader {
    std::uint64_t dataStart = 0;                    // byte offset of the data area in the file
    std::vector<SafetensorsEntry> tensors;          // sorted by begin offset
    std::map<std::string, std::string> metadata;    // the optional "__metadata__" object
};

// Largest header accepted (the reference implementation's limit).
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses and validates the header of a whole file given as `bytes` (`size` bytes). `fileName`
// only goes into error messages. Throws flower::Error on any inconsistency.
SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, std::size_t size,
                                         const std::string& fileName);

// The 8-byte length + JSON for `tensors` (offsets as given) and `metadata`, padded with spaces
// so that the data area starts at a multiple of 8 bytes.
std::string serializeSafetensorsHeader(const std::vector<SafetensorsEntry>& tensors,
                                       const std::map<std::string, std::string>& metadata);

}  // namespace flower::model
