// Reads one safetensors file through a memory map. The header is fully validated on open
// (safetensors_header.h); tensor() then returns a CPU tensor that views the mapped bytes and
// keeps the mapping alive, so nothing is copied until the caller converts or moves it (e.g.
// `param.copy_(reader.tensor(name))` converts BF16/F16 to the run's dtype on the way in).
// Unknown names and malformed files throw flower::Error naming the file and the tensor.
#pragma once

#include "core/model/safetensors_header.h"

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace flower::model {

class MappedFile;

// The LibTorch element type of a safetensors dtype, and back (throws flower::Error for a
// LibTorch type the format cannot hold, e.g. complex).
c10::ScalarType toScalarType(SafetensorsDtype dtype);
SafetensorsDtype toSafetensorsDtype(c10::ScalarType type);

class SafetensorsReader {
public:
    explicit SafetensorsReader(const std::filesystem::path& path);
    ~SafetensorsReader();
    SafetensorsReader(SafetensorsReader&&) noexcept;
    SafetensorsReader& operator=(SafetensorsReader&&) noexcept;

    const std::filesystem::path& path() const;
    const SafetensorsHeader& header() const { return header_; }
    bool contains(const std::string& name) const;
    // Names in file order.
    std::vector<std::string> names() const;
    // Throws flower::Error when the file has no tensor of that name.
    const SafetensorsEntry& entry(const std::string& name) const;
    // A CPU tensor of the stored dtype and shape viewing the mapped bytes (copied only when the
    // bytes are not aligned to the element size). Valid after the reader is destroyed.
    at::Tensor tensor(const std::string& name) const;

private:
    std::shared_ptr<MappedFile> file_;
    SafetensorsHeader header_;
};

}  // namespace flower::model
