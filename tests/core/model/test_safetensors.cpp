// Safetensors reading and writing: round trips of every dtype, sharded checkpoints, and one test
// per malformed input, each checking that the message names the file and the tensor.
#include "core/model/checkpoint_reader.h"
#include "core/model/safetensors_header.h"
#include "core/model/safetensors_reader.h"
#include "core/model/safetensors_writer.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <torch/torch.h>

#include <fstream>

using namespace flower::model;
namespace fs = std::filesystem;

namespace {

// A fresh folder per call, removed when the test process exits.
fs::path tempDir() {
    static int counter = 0;
    return flower::test::freshFolder("safetensors-" + std::to_string(counter++));
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// 8-byte little-endian length (`claimed`, default the real one) + header + data.
std::string rawFile(const std::string& header, const std::string& data, std::int64_t claimed = -1) {
    std::string out(8, '\0');
    const std::uint64_t n = claimed >= 0 ? static_cast<std::uint64_t>(claimed) : header.size();
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    }
    return out + header + data;
}

// Opens `bytes` as a file named bad.safetensors; returns the error message ("" if none).
std::string openError(const std::string& bytes) {
    const fs::path path = tempDir() / "bad.safetensors";
    writeBytes(path, bytes);
    return flower::test::errorOf([&] { SafetensorsReader reader(path); });
}

bool mentions(const std::string& message, const std::string& part) {
    return flower::test::contains(message, part);
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripsEveryDtype();
    void headerIsPaddedAndParsable();
    void readsMisalignedData();
    void tensorOutlivesReader();
    void shardsAboveThreshold();
    void rejectsTruncatedHeader();
    void rejectsHeaderLengthBeyondFile();
    void rejectsInvalidJson();
    void rejectsOffsetsOutOfRange();
    void rejectsOverlappingTensors();
    void rejectsGapsAndTrailingBytes();
    void rejectsShapeDtypeMismatch();
    void rejectsUnknownDtype();
    void rejectsDeepNesting();
    void rejectsMissingTensor();
    void refusesPickles();
    void rejectsBadIndex();
};

void TestSafetensors::roundTripsEveryDtype() {
    torch::manual_seed(0);
    const NamedTensors tensors = {
        {"f64", torch::randn({2, 3}, torch::kDouble)},
        {"f32", torch::randn({4}, torch::kFloat)},
        {"f16", torch::randn({3, 1}).to(torch::kHalf)},
        {"bf16", torch::randn({5}).to(torch::kBFloat16)},
        {"i64", torch::tensor({-1, 2, 3}, torch::kLong)},
        {"i32", torch::tensor({7}, torch::kInt)},
        {"u8", torch::tensor({0, 255}, torch::kByte)},
        {"bool", torch::tensor({true, false})},
        {"scalar", torch::tensor(2.5f)},
        {"empty", torch::zeros({0, 4})},
        {"strided", torch::arange(12, torch::kFloat).view({3, 4}).t()},  // non-contiguous input
    };
    const fs::path path = tempDir() / "all.safetensors";
    writeSafetensors(path, tensors);
    const SafetensorsReader reader(path);
    QCOMPARE(reader.names().size(), tensors.size());
    for (const auto& [name, t] : tensors) {
        const torch::Tensor back = reader.tensor(name);
        QVERIFY2(back.scalar_type() == t.scalar_type(), name.c_str());
        QVERIFY2(back.sizes() == t.sizes(), name.c_str());
        QVERIFY2(torch::equal(back, t), name.c_str());
    }
    QCOMPARE(reader.header().metadata.at("format"), std::string("pt"));
}

void TestSafetensors::headerIsPaddedAndParsable() {
    const std::string h = serializeSafetensorsHeader({{"a", SafetensorsDtype::F32, {2}, 0, 8}}, {});
    QCOMPARE(h.size() % 8, std::size_t{0});
    const std::string file = h + std::string(8, '\0');
    const auto parsed = parseSafetensorsHeader(reinterpret_cast<const unsigned char*>(file.data()),
                                               file.size(), "x");
    QCOMPARE(parsed.dataStart, static_cast<std::uint64_t>(h.size()));
    QCOMPARE(parsed.tensors.at(0).name, std::string("a"));
    QCOMPARE(parsed.tensors.at(0).end, std::uint64_t{8});
}

// A header of odd length puts F32 data at an odd address: it must still read correctly.
void TestSafetensors::readsMisalignedData() {
    const float values[2] = {1.5f, -2.25f};
    const std::string data(reinterpret_cast<const char*>(values), sizeof values);
    const fs::path path = tempDir() / "odd.safetensors";
    writeBytes(path, rawFile(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data));
    const SafetensorsReader reader(path);
    const torch::Tensor t = reader.tensor("t");
    QCOMPARE(t[0].item<float>(), 1.5f);
    QCOMPARE(t[1].item<float>(), -2.25f);
}

void TestSafetensors::tensorOutlivesReader() {
    const fs::path path = tempDir() / "keep.safetensors";
    writeSafetensors(path, {{"w", torch::arange(6, torch::kFloat)}});
    torch::Tensor kept;
    {
        const SafetensorsReader reader(path);
        kept = reader.tensor("w");
    }
    QCOMPARE(kept.sum().item<float>(), 15.0f);
}

void TestSafetensors::shardsAboveThreshold() {
    const fs::path dir = tempDir();
    NamedTensors tensors;
    const char* names[] = {"t0", "t1", "t2", "t3", "t4"};
    for (int i = 0; i < 5; ++i) {
        tensors.emplace_back(names[i], torch::full({10}, static_cast<float>(i)));  // 40 B each
    }
    const auto files = writeShardedSafetensors(dir, tensors, 100);  // two tensors per shard
    QCOMPARE(files.size(), std::size_t{4});
    QCOMPARE(files.front(), std::string("model-00001-of-00003.safetensors"));
    QCOMPARE(files.back(), std::string("model.safetensors.index.json"));
    const CheckpointReader checkpoint(dir);
    QCOMPARE(checkpoint.files().size(), std::size_t{3});
    for (const auto& [name, t] : tensors) {
        QVERIFY(torch::equal(checkpoint.tensor(name), t));
    }
    // Saving again below the threshold replaces the shards with a single file.
    QCOMPARE(writeShardedSafetensors(dir, tensors).size(), std::size_t{1});
    QVERIFY(!fs::exists(dir / "model.safetensors.index.json"));
    QVERIFY(!fs::exists(dir / "model-00001-of-00003.safetensors"));
    QCOMPARE(CheckpointReader(dir).names().size(), std::size_t{5});
}

void TestSafetensors::rejectsTruncatedHeader() {
    const std::string m = openError(std::string("\x10\x00\x00", 3));
    QVERIFY2(mentions(m, "bad.safetensors") && mentions(m, "truncated"), m.c_str());
}

void TestSafetensors::rejectsHeaderLengthBeyondFile() {
    const std::string m = openError(rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                            std::string(4, '\0'), 1000));
    QVERIFY2(mentions(m, "bad.safetensors") && mentions(m, "header length 1000"), m.c_str());
}

void TestSafetensors::rejectsInvalidJson() {
    const std::string m = openError(rawFile(R"({"a":{"dtype":"F32",)", ""));
    QVERIFY2(mentions(m, "not valid JSON"), m.c_str());
    const std::string notObject = openError(rawFile("[1, 2]", ""));
    QVERIFY2(mentions(notObject, "JSON object"), notObject.c_str());
}

void TestSafetensors::rejectsOffsetsOutOfRange() {
    const std::string m = openError(
        rawFile(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')));
    QVERIFY2(mentions(m, "bad.safetensors") && mentions(m, "tensor w") && mentions(m, "run past"), m.c_str());
}

void TestSafetensors::rejectsOverlappingTensors() {
    const std::string m = openError(rawFile(
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
        std::string(12, '\0')));
    QVERIFY2(mentions(m, "tensor b") && mentions(m, "overlap tensor a"), m.c_str());
}

void TestSafetensors::rejectsGapsAndTrailingBytes() {
    const std::string gap = openError(rawFile(
        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
        std::string(12, '\0')));
    QVERIFY2(mentions(gap, "tensor b") && mentions(gap, "gap"), gap.c_str());
    const std::string trailing = openError(
        rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string(9, '\0')));
    QVERIFY2(mentions(trailing, "5 bytes after the last tensor"), trailing.c_str());
}

void TestSafetensors::rejectsShapeDtypeMismatch() {
    const std::string m = openError(
        rawFile(R"({"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}})", std::string(8, '\0')));
    QVERIFY2(mentions(m, "tensor w") && mentions(m, "needs 12 bytes") && mentions(m, "span 8"), m.c_str());
    // A shape whose byte count overflows 64 bits must not wrap around to a small number.
    const std::string huge = openError(rawFile(
        R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""));
    QVERIFY2(mentions(huge, "more than 2^64"), huge.c_str());
}

void TestSafetensors::rejectsUnknownDtype() {
    const std::string m = openError(
        rawFile(R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", std::string(4, '\0')));
    QVERIFY2(mentions(m, "tensor w") && mentions(m, "unknown dtype \"F8_E4M3\""), m.c_str());
}

void TestSafetensors::rejectsDeepNesting() {
    const std::string m = openError(rawFile(std::string(200, '[') + std::string(200, ']'), ""));
    QVERIFY2(mentions(m, "nests deeper"), m.c_str());
}

void TestSafetensors::rejectsMissingTensor() {
    const fs::path path = tempDir() / "one.safetensors";
    writeSafetensors(path, {{"present", torch::zeros({1})}});
    const SafetensorsReader reader(path);
    try {
        reader.tensor("absent");
        QFAIL("no error for a missing tensor");
    } catch (const flower::Error& e) {
        QVERIFY2(mentions(e.what(), "one.safetensors") && mentions(e.what(), "tensor absent"), e.what());
    }
}

void TestSafetensors::refusesPickles() {
    // A zip-format torch.save() file renamed to .safetensors.
    const std::string zip = openError(std::string("PK\x03\x04", 4) + std::string(60, 'x'));
    QVERIFY2(mentions(zip, "pickle") && mentions(zip, "convert it to safetensors"), zip.c_str());
    // A directory with only pytorch_model.bin.
    const fs::path dir = tempDir();
    writeBytes(dir / "pytorch_model.bin", std::string("\x80\x02", 2));
    try {
        CheckpointReader reader(dir);
        QFAIL("a pickle checkpoint was accepted");
    } catch (const flower::Error& e) {
        QVERIFY2(mentions(e.what(), "pytorch_model.bin") && mentions(e.what(), "safetensors"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, CheckpointReader(dir / "pytorch_model.bin"));
}

void TestSafetensors::rejectsBadIndex() {
    const fs::path dir = tempDir();
    writeSafetensors(dir / "model-00001-of-00001.safetensors", {{"a", torch::zeros({1})}});
    auto indexWith = [&](const std::string& json) {
        writeBytes(dir / "model.safetensors.index.json", json);
        try {
            CheckpointReader reader(dir);
        } catch (const flower::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string traversal = indexWith(R"({"weight_map":{"a":"../model-00001-of-00001.safetensors"}})");
    QVERIFY2(mentions(traversal, "plain file name"), traversal.c_str());
    const std::string missing = indexWith(R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})");
    QVERIFY2(mentions(missing, "missing"), missing.c_str());
    const std::string wrong = indexWith(
        R"({"weight_map":{"a":"model-00001-of-00001.safetensors","b":"model-00001-of-00001.safetensors"}})");
    QVERIFY2(mentions(wrong, "weight_map.b") && mentions(wrong, "does not hold it"), wrong.c_str());
    QVERIFY(indexWith(R"({"weight_map":{"a":"model-00001-of-00001.safetensors"}})").empty());
}

FLOWER_TEST_MAIN(TestSafetensors, roundTripsEveryDtype, headerIsPaddedAndParsable, readsMisalignedData,
                 tensorOutlivesReader, shardsAboveThreshold, rejectsTruncatedHeader,
                 rejectsHeaderLengthBeyondFile, rejectsInvalidJson, rejectsOffsetsOutOfRange,
                 rejectsOverlappingTensors, rejectsGapsAndTrailingBytes, rejectsShapeDtypeMismatch,
                 rejectsUnknownDtype, rejectsDeepNesting, rejectsMissingTensor, refusesPickles,
                 rejectsBadIndex)
#ifdef FLOWER_TEST_QT
#include "test_safetensors.moc"
#endif
