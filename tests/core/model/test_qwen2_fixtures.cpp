// The shared fixtures: tiny random Qwen2 checkpoints (f32 tied; bf16 sharded untied) must
// reproduce the reference logits where the mask is 1, including the left-padded row.
#include "core/model/qwen2_checkpoint.h"
#include "core/model/safetensors_reader.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

using namespace flower::model;

class TestQwen2Fixtures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void f32TiedReproducesLogits();
    void bf16ShardedReproducesLogits();
    void paddedRowEqualsUnpaddedRow();

private:
    static double maxDiff(const std::filesystem::path& dir);
};

double TestQwen2Fixtures::maxDiff(const std::filesystem::path& dir) {
    Qwen2ForCausalLM model = loadQwen2(dir);
    const SafetensorsReader expected(dir / "expected.safetensors");
    const torch::Tensor ids = expected.tensor("input_ids");        // [B, T]
    const torch::Tensor mask = expected.tensor("attention_mask");  // [B, T]
    const torch::Tensor want = expected.tensor("logits");          // [B, T, V]
    // The fixture's padded row is what this test is about: make sure it is there.
    if (mask.eq(0).sum().item<std::int64_t>() == 0) {
        return 1e9;
    }
    torch::NoGradGuard noGrad;
    const torch::Tensor got = model->forward(ids, mask);
    if (got.sizes() != want.sizes()) {
        return 1e9;
    }
    const torch::Tensor diff = (got - want).abs().amax(-1);  // [B, T]
    return diff.masked_select(mask.to(torch::kBool)).max().item<double>();
}

void TestQwen2Fixtures::f32TiedReproducesLogits() {
    FLOWER_REQUIRE_SHARED(shared);
    const double d = maxDiff(shared / "fixtures/qwen2-tiny-f32");
    QVERIFY2(d <= 1e-4, std::to_string(d).c_str());
}

void TestQwen2Fixtures::bf16ShardedReproducesLogits() {
    FLOWER_REQUIRE_SHARED(shared);
    const double d = maxDiff(shared / "fixtures/qwen2-tiny-bf16-sharded");
    QVERIFY2(d <= 1e-4, std::to_string(d).c_str());
}

// The padded row's real tokens, run alone without padding, give the same logits (up to fp32
// rounding: the matmuls have other shapes, about 1e-5 here).
void TestQwen2Fixtures::paddedRowEqualsUnpaddedRow() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "fixtures/qwen2-tiny-f32";
    Qwen2ForCausalLM model = loadQwen2(dir);
    const SafetensorsReader expected(dir / "expected.safetensors");
    const torch::Tensor ids = expected.tensor("input_ids");
    const torch::Tensor mask = expected.tensor("attention_mask");
    torch::NoGradGuard noGrad;
    const torch::Tensor batch = model->forward(ids, mask);
    for (std::int64_t row = 0; row < ids.size(0); ++row) {
        const torch::Tensor keep = mask[row].to(torch::kBool);
        const torch::Tensor alone = model->forward(ids[row].masked_select(keep).unsqueeze(0));
        const torch::Tensor inBatch = batch[row].index({keep});
        const double d = (alone[0] - inBatch).abs().max().item<double>();
        QVERIFY2(d < 1e-4, ("row " + std::to_string(row) + ": " + std::to_string(d)).c_str());
    }
}

FLOWER_TEST_MAIN(TestQwen2Fixtures, f32TiedReproducesLogits, bf16ShardedReproducesLogits,
                 paddedRowEqualsUnpaddedRow)
#ifdef FLOWER_TEST_QT
#include "test_qwen2_fixtures.moc"
#endif
