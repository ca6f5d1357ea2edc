#include "core/model/safetensors_header.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

namespace flower::model {

namespace {

struct DtypeInfo {
    SafetensorsDtype dtype;
    std::string_view name;
    std::size_t size;
};

constexpr std::array<DtypeInfo, 10> kDtypes = {{
    {SafetensorsDtype::F64, "F64", 8},
    {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},
    {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::I8, "I8", 1},
    {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::Bool, "BOOL", 1},
}};

const DtypeInfo& info(SafetensorsDtype dtype) {
    for (const auto& d : kDtypes) {
        if (d.dtype == dtype) {
            return d;
        }
    }
    return kDtypes[1];  // unreachable: every enumerator is in the table
}

std::string supportedList() {
    std::string out;
    for (const auto& d : kDtypes) {
        out += (out.empty() ? "" : ", ") + std::string(d.name);
    }
    return out;
}

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& what) {
    throw Error({file, 0, field}, what);
}

// The header of a valid file nests three levels deep ({name: {shape: [..]}}); refusing deeper
// nesting before parsing keeps hostile inputs from costing stack or memory.
void checkNesting(std::string_view json, const std::string& file) {
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > 4) {
                fail(file, "", "safetensors header nests deeper than a tensor table can");
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
}

std::uint64_t readLe64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

std::uint64_t nonNegative(const nlohmann::json& v, const std::string& file,
                          const std::string& field, const char* what) {
    if (!v.is_number_unsigned()) {
        fail(file, field, std::string("expected ") + what + " to be a non-negative integer, got " +
                              v.dump());
    }
    return v.get<std::uint64_t>();
}

SafetensorsEntry parseEntry(const std::string& name, const nlohmann::json& v,
                            const std::string& file) {
    const std::string field = "tensor " + name;
    if (!v.is_object()) {
        fail(file, field, "expected an object with dtype, shape and data_offsets");
    }
    for (const auto& [key, value] : v.items()) {
        if (key != "dtype" && key != "shape" && key != "data_offsets") {
            fail(file, field, "unexpected key \"" + key + "\" (expected dtype, shape, data_offsets)");
        }
    }
    if (!v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets")) {
        fail(file, field, "expected the keys dtype, shape and data_offsets");
    }
    SafetensorsEntry e;
    e.name = name;
    const auto& dtype = v.at("dtype");
    if (!dtype.is_string()) {
        fail(file, field, "expected dtype to be a string, got " + dtype.dump());
    }
    const auto dtypeText = dtype.get<std::string>();
    const auto found = std::find_if(kDtypes.begin(), kDtypes.end(),
                                    [&](const DtypeInfo& d) { return d.name == dtypeText; });
    if (found == kDtypes.end()) {
        fail(file, field, "unknown dtype \"" + dtypeText + "\" (supported: " + supportedList() + ")");
    }
    e.dtype = found->dtype;

    const auto& shape = v.at("shape");
    if (!shape.is_array()) {
        fail(file, field, "expected shape to be an array, got " + shape.dump());
    }
    // Bytes = product of dims × element size, computed without overflow.
    std::uint64_t bytes = found->size;
    bool overflow = false;
    for (const auto& d : shape) {
        const std::uint64_t dim = nonNegative(d, file, field, "every shape entry");
        if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail(file, field, "shape entry " + std::to_string(dim) + " is too large");
        }
        e.shape.push_back(static_cast<std::int64_t>(dim));
        overflow = overflow || __builtin_mul_overflow(bytes, dim, &bytes);
    }
    const auto& offsets = v.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2) {
        fail(file, field, "expected data_offsets to be [begin, end], got " + offsets.dump());
    }
    e.begin = nonNegative(offsets[0], file, field, "data_offsets[0]");
    e.end = nonNegative(offsets[1], file, field, "data_offsets[1]");
    if (e.end < e.begin) {
        fail(file, field, "data_offsets [" + std::to_string(e.begin) + ", " +
                              std::to_string(e.end) + "] end before they begin");
    }
    if (overflow || bytes != e.end - e.begin) {
        std::string dims;
        for (auto d : e.shape) {
            dims += (dims.empty() ? "" : ", ") + std::to_string(d);
        }
        fail(file, field, "shape [" + dims + "] of " + dtypeText + " needs " +
                              (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                              " bytes but data_offsets span " + std::to_string(e.end - e.begin));
    }
    return e;
}

}  // namespace

std::size_t dtypeSize(SafetensorsDtype dtype) { return info(dtype).size; }
std::string_view dtypeName(SafetensorsDtype dtype) { return info(dtype).name; }

SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, std::size_t size,
                                         const std::string& file) {
    if (size < 8) {
        fail(file, "", "truncated: " + std::to_string(size) +
                           " bytes, but a safetensors file starts with an 8-byte header length");
    }
    const std::uint64_t headerLength = readLe64(bytes);
    if (headerLength > size - 8) {
        // A PyTorch zip or pickle shows up as an absurd header length; say what it is.
        if ((bytes[0] == 'P' && bytes[1] == 'K') || bytes[0] == 0x80) {
            fail(file, "", "this is a PyTorch pickle/zip checkpoint, not safetensors; pickles are "
                           "never loaded (they can run code): convert it to safetensors");
        }
        fail(file, "", "header length " + std::to_string(headerLength) + " runs past the end of the " +
                           std::to_string(size) + "-byte file (truncated or not safetensors)");
    }
    if (headerLength > kMaxSafetensorsHeaderBytes) {
        fail(file, "", "header length " + std::to_string(headerLength) + " exceeds the limit of " +
                           std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
    }
    const std::string_view text(reinterpret_cast<const char*>(bytes + 8), headerLength);
    checkNesting(text, file);
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        fail(file, "", std::string("header is not valid JSON: ") + e.what());
    }
    if (!root.is_object()) {
        fail(file, "", "header must be a JSON object {name: {dtype, shape, data_offsets}}");
    }
    SafetensorsHeader header;
    header.dataStart = 8 + headerLength;
    for (const auto& [name, value] : root.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) {
                fail(file, "__metadata__", "expected an object of strings");
            }
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string()) {
                    fail(file, "__metadata__." + key, "expected a string, got " + text.dump());
                }
                header.metadata[key] = text.get<std::string>();
            }
            continue;
        }
        header.tensors.push_back(parseEntry(name, value, file));
    }
    std::sort(header.tensors.begin(), header.tensors.end(),
              [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
                  return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
              });
    // The data area must be covered exactly, in order: no overlap, no gap, nothing past the end.
    const std::uint64_t dataSize = size - header.dataStart;
    std::uint64_t cursor = 0;
    const SafetensorsEntry* previous = nullptr;
    for (const auto& e : header.tensors) {
        if (e.end > dataSize) {
            fail(file, "tensor " + e.name,
                 "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     "] run past the " + std::to_string(dataSize) + "-byte data area");
        }
        if (e.begin < cursor) {
            fail(file, "tensor " + e.name,
                 "bytes [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     ") overlap tensor " + previous->name);
        }
        if (e.begin > cursor) {
            fail(file, "tensor " + e.name,
                 "gap of " + std::to_string(e.begin - cursor) + " unused bytes before it");
        }
        cursor = e.end;
        if (e.end > e.begin || previous == nullptr) {
            previous = &e;
        }
    }
    if (cursor != dataSize) {
        fail(file, "", std::to_string(dataSize - cursor) +
                           " bytes after the last tensor are not described by the header");
    }
    return header;
}

std::string serializeSafetensorsHeader(const std::vector<SafetensorsEntry>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        root["__metadata__"] = metadata;
    }
    for (const auto& e : tensors) {
        root[e.name] = {{"dtype", std::string(dtypeName(e.dtype))},
                        {"shape", e.shape},
                        {"data_offsets", {e.begin, e.end}}};
    }
    std::string json = root.dump();
    json.append((8 - json.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    std::uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    }
    return out + json;
}

}  // namespace flower::model
