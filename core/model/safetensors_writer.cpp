#include "core/model/safetensors_writer.h"

#include "core/model/safetensors_header.h"
#include "core/model/safetensors_reader.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <set>

namespace flower::model {

namespace {

void writeFileAtomically(const std::filesystem::path& path,
                         const std::function<void(std::ofstream&)>& body) {
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw Error({path.string(), 0, ""}, "cannot open for writing");
        }
        body(out);
        out.flush();
        if (!out) {
            throw Error({path.string(), 0, ""}, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        throw Error({path.string(), 0, ""}, "cannot rename the temporary file: " + ec.message());
    }
}

std::uint64_t byteSize(const at::Tensor& t) {
    return static_cast<std::uint64_t>(t.numel()) * t.element_size();
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
    std::vector<SafetensorsEntry> entries;
    std::vector<at::Tensor> cpu;
    std::set<std::string> seen;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (!seen.insert(name).second || name == "__metadata__") {
            throw Error({path.string(), 0, "tensor " + name}, "duplicate or reserved tensor name");
        }
        SafetensorsEntry e;
        e.name = name;
        e.dtype = toSafetensorsDtype(tensor.scalar_type());
        e.shape = tensor.sizes().vec();
        e.begin = offset;
        offset += byteSize(tensor);
        e.end = offset;
        entries.push_back(std::move(e));
        cpu.push_back(tensor.detach().to(torch::kCPU).contiguous());
    }
    const std::string header = serializeSafetensorsHeader(entries, metadata);
    writeFileAtomically(path, [&](std::ofstream& out) {
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        for (const auto& t : cpu) {
            out.write(static_cast<const char*>(t.data_ptr()),
                      static_cast<std::streamsize>(byteSize(t)));
        }
    });
}

std::vector<std::string> writeShardedSafetensors(const std::filesystem::path& dir,
                                                 const NamedTensors& tensors,
                                                 std::uint64_t maxShardBytes,
                                                 const std::string& stem) {
    std::filesystem::create_directories(dir);
    // Greedy packing in the given order, like Hugging Face's shard_checkpoint.
    std::vector<NamedTensors> shards(1);
    std::uint64_t current = 0, total = 0;
    for (const auto& nt : tensors) {
        const std::uint64_t size = byteSize(nt.second);
        if (!shards.back().empty() && current + size > maxShardBytes) {
            shards.emplace_back();
            current = 0;
        }
        shards.back().push_back(nt);
        current += size;
        total += size;
    }
    const std::filesystem::path single = dir / (stem + ".safetensors");
    const std::filesystem::path index = dir / (stem + ".safetensors.index.json");
    // Stale files of an earlier save would be picked up by a reader: remove them.
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(stem + "-", 0) == 0 && name.size() > 12 &&
            name.substr(name.size() - 12) == ".safetensors") {
            std::filesystem::remove(entry.path());
        }
    }
    std::filesystem::remove(single);
    std::filesystem::remove(index);
    if (shards.size() == 1) {
        writeSafetensors(single, tensors);
        return {single.filename().string()};
    }
    std::vector<std::string> names;
    nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
    char buffer[64];
    for (std::size_t i = 0; i < shards.size(); ++i) {
        std::snprintf(buffer, sizeof buffer, "-%05zu-of-%05zu.safetensors", i + 1, shards.size());
        const std::string name = stem + buffer;
        writeSafetensors(dir / name, shards[i]);
        for (const auto& nt : shards[i]) {
            weightMap[nt.first] = name;
        }
        names.push_back(name);
    }
    const nlohmann::ordered_json doc = {{"metadata", {{"total_size", total}}},
                                        {"weight_map", weightMap}};
    writeFileAtomically(index, [&](std::ofstream& out) { out << doc.dump(2) << "\n"; });
    names.push_back(index.filename().string());
    return names;
}

}  // namespace flower::model
