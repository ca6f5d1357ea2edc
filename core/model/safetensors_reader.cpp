#include "core/model/safetensors_reader.h"

#include "core/model/mapped_file.h"
#include "core/util/error.h"

#include <ATen/Functions.h>
#include <torch/types.h>

#include <cstdint>
#include <cstring>

namespace flower::model {

c10::ScalarType toScalarType(SafetensorsDtype dtype) {
    switch (dtype) {
    case SafetensorsDtype::F64: return c10::kDouble;
    case SafetensorsDtype::F32: return c10::kFloat;
    case SafetensorsDtype::F16: return c10::kHalf;
    case SafetensorsDtype::BF16: return c10::kBFloat16;
    case SafetensorsDtype::I64: return c10::kLong;
    case SafetensorsDtype::I32: return c10::kInt;
    case SafetensorsDtype::I16: return c10::kShort;
    case SafetensorsDtype::I8: return c10::kChar;
    case SafetensorsDtype::U8: return c10::kByte;
    case SafetensorsDtype::Bool: return c10::kBool;
    }
    return c10::kFloat;
}

SafetensorsDtype toSafetensorsDtype(c10::ScalarType type) {
    switch (type) {
    case c10::kDouble: return SafetensorsDtype::F64;
    case c10::kFloat: return SafetensorsDtype::F32;
    case c10::kHalf: return SafetensorsDtype::F16;
    case c10::kBFloat16: return SafetensorsDtype::BF16;
    case c10::kLong: return SafetensorsDtype::I64;
    case c10::kInt: return SafetensorsDtype::I32;
    case c10::kShort: return SafetensorsDtype::I16;
    case c10::kChar: return SafetensorsDtype::I8;
    case c10::kByte: return SafetensorsDtype::U8;
    case c10::kBool: return SafetensorsDtype::Bool;
    default:
        throw Error(std::string("tensors of type ") + c10::toString(type) +
                    " cannot be stored in safetensors");
    }
}

SafetensorsReader::SafetensorsReader(const std::filesystem::path& path)
    : file_(std::make_shared<MappedFile>(path)) {
    header_ = parseSafetensorsHeader(file_->data(), file_->size(), path.string());
}

SafetensorsReader::~SafetensorsReader() = default;
SafetensorsReader::SafetensorsReader(SafetensorsReader&&) noexcept = default;
SafetensorsReader& SafetensorsReader::operator=(SafetensorsReader&&) noexcept = default;

const std::filesystem::path& SafetensorsReader::path() const { return file_->path(); }

bool SafetensorsReader::contains(const std::string& name) const {
    for (const auto& e : header_.tensors) {
        if (e.name == name) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> SafetensorsReader::names() const {
    std::vector<std::string> out;
    out.reserve(header_.tensors.size());
    for (const auto& e : header_.tensors) {
        out.push_back(e.name);
    }
    return out;
}

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
    for (const auto& e : header_.tensors) {
        if (e.name == name) {
            return e;
        }
    }
    throw Error({file_->path().string(), 0, "tensor " + name}, "no such tensor in the file");
}

at::Tensor SafetensorsReader::tensor(const std::string& name) const {
    const SafetensorsEntry& e = entry(name);
    const auto options = torch::TensorOptions().dtype(toScalarType(e.dtype)).device(torch::kCPU);
    unsigned char* bytes = file_->mutableData() + header_.dataStart + e.begin;
    const std::size_t count = e.end - e.begin;
    if (count == 0) {
        return torch::empty(e.shape, options);
    }
    if (reinterpret_cast<std::uintptr_t>(bytes) % dtypeSize(e.dtype) != 0) {
        // Misaligned elements (legal in the format): copy into an aligned tensor.
        at::Tensor out = torch::empty(e.shape, options);
        std::memcpy(out.data_ptr(), bytes, count);
        return out;
    }
    // The deleter holds the mapping, so the view stays valid as long as the tensor lives.
    std::shared_ptr<MappedFile> keep = file_;
    return torch::from_blob(bytes, e.shape, [keep](void*) mutable { keep.reset(); }, options);
}

}  // namespace flower::model
