// fusedAttention (fused_attention.h) and its loops (attention_kernels.h): the panel product
// against a triple loop, the softmax row by hand, and the attention itself against
// compositeAttention differentiated by autograd — values and q/k/v gradients in float64 to 1e-12
// and float32 to ~1e-5 — over the masks the model makes (causal, left padding with the diagonal
// kept, a KV cache in front: S > T) and an arbitrary one with holes, 1, 2 and 4 query heads per
// K/V head, strided inputs, row counts not multiples of the 6-row blocks; second derivatives; a
// row with no key; and when the fused path is not taken.
#include "core/model/attention_kernels.h"
#include "core/model/cpu_kernels.h"
#include "core/model/fused_attention.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

using namespace flower::model;

namespace {

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// The model's mask: causal over S = past + T keys, key s readable if not padding, and the
// diagonal always. pad[b] leading keys of row b are padding.
torch::Tensor modelMask(std::int64_t B, std::int64_t T, std::int64_t S, const std::vector<std::int64_t>& pad) {
    const std::int64_t past = S - T;
    torch::Tensor allowed = torch::zeros({B, 1, T, S}, torch::kBool);
    auto a = allowed.accessor<bool, 4>();
    for (std::int64_t b = 0; b < B; ++b) {
        for (std::int64_t t = 0; t < T; ++t) {
            for (std::int64_t s = 0; s < S; ++s) a[b][0][t][s] = (s <= past + t && s >= pad[b]) || s == past + t;
        }
    }
    return allowed;
}

struct Outcome {
    torch::Tensor out, dq, dk, dv;
};

// Output [B, T, H·Dh] and q/k/v gradients for a fixed upstream gradient. q, k, v are made as
// views of one fused projection [B, T, (H + 2·Hkv)·Dh], as the model makes them (strided).
Outcome run(bool fused, const torch::Tensor& projection, std::int64_t H, std::int64_t Hkv, std::int64_t Dh,
            std::int64_t past, const torch::Tensor& allowed, const torch::Tensor& upstream) {
    const torch::Tensor p = projection.detach().clone().requires_grad_(true);
    const std::int64_t B = p.size(0), T = p.size(1);
    const auto parts = p.split_with_sizes({H * Dh, Hkv * Dh, Hkv * Dh}, -1);
    const torch::Tensor q = parts[0].reshape({B, T, H, Dh}).transpose(1, 2);
    torch::Tensor k = parts[1].reshape({B, T, Hkv, Dh}).transpose(1, 2);
    torch::Tensor v = parts[2].reshape({B, T, Hkv, Dh}).transpose(1, 2);
    if (past > 0) {  // a cache in front: fixed keys and values of `past` earlier positions
        torch::manual_seed(99);
        k = torch::cat({torch::randn({B, Hkv, past, Dh}, p.options().requires_grad(false)), k}, 2);
        v = torch::cat({torch::randn({B, Hkv, past, Dh}, p.options().requires_grad(false)), v}, 2);
    }
    const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
    torch::Tensor out;
    if (fused) {
        const auto f = fusedAttention(q, k, v, allowed, scale);
        if (!f) return {};
        out = *f;
    } else {
        out = compositeAttention(q, k, v, attentionBias(allowed, p.options()), scale).transpose(1, 2).reshape({B, T, H * Dh});
    }
    out.backward(upstream);
    const auto grads = p.grad().split_with_sizes({H * Dh, Hkv * Dh, Hkv * Dh}, -1);
    return {out.detach(), grads[0], grads[1], grads[2]};
}

}  // namespace

class TestFusedAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void panelProductEqualsTripleLoop();
    void softmaxRowByHand();
    void equalsCompositeOnModelMasks();
    void equalsCompositeOnArbitraryMask();
    void secondDerivativesEqualComposite();
    void rowWithoutKeysIsNaN();
    void notTakenWhereItDoesNotApply();
};

void TestFusedAttention::panelProductEqualsTripleLoop() {
    // Every tile height (M up to 13: two 6-row blocks and a remainder), one to three panels,
    // K = 0 (writes zeros / leaves C), odd K, row strides larger than the rows, accumulation.
    auto check = [](auto zero) {
        using T = decltype(zero);
        const std::int64_t P = kernels::kPanel<T>;
        for (std::int64_t M = 1; M <= 13; ++M) {
            for (const std::int64_t N : {P, 3 * P}) {
                for (const std::int64_t K : {0, 1, 7, 64}) {
                    for (const bool accumulate : {false, true}) {
                        const std::int64_t lda = K + 3, ldb = N + 5, ldc = N + 2;
                        std::vector<T> A(static_cast<std::size_t>(M * lda)), B(static_cast<std::size_t>(std::max<std::int64_t>(K, 1) * ldb)),
                            C(static_cast<std::size_t>(M * ldc));
                        for (std::size_t i = 0; i < A.size(); ++i) A[i] = static_cast<T>(std::sin(0.37 * i + M));
                        for (std::size_t i = 0; i < B.size(); ++i) B[i] = static_cast<T>(std::cos(0.11 * i + N));
                        for (std::size_t i = 0; i < C.size(); ++i) C[i] = static_cast<T>(0.5 * std::sin(1.3 * i));
                        std::vector<double> expected(C.size());
                        for (std::int64_t i = 0; i < M; ++i) {
                            for (std::int64_t j = 0; j < ldc; ++j) {
                                double s = accumulate || j >= N ? static_cast<double>(C[i * ldc + j]) : 0.0;
                                if (j < N) {
                                    for (std::int64_t k = 0; k < K; ++k) s += double(A[i * lda + k]) * double(B[k * ldb + j]);
                                }
                                expected[i * ldc + j] = s;
                            }
                        }
                        kernels::gemmPanels(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc, accumulate);
                        double worst = 0;
                        for (std::size_t i = 0; i < C.size(); ++i) worst = std::max(worst, std::abs(C[i] - expected[i]));
                        const double tol = sizeof(T) == 4 ? 1e-5 : 1e-13;
                        QVERIFY2(worst < tol, ("M " + std::to_string(M) + " N " + std::to_string(N) + " K " +
                                               std::to_string(K) + ": " + std::to_string(worst)).c_str());
                    }
                }
            }
        }
    };
    check(0.0f);
    check(0.0);
}

void TestFusedAttention::softmaxRowByHand() {
    // Scores 1, 2, 3 (key 1 masked) at scale 0.5, computed over [0, 3) of a 6-value row with S = 4:
    // softmax(0.5, 1.5) over keys 0 and 2 = (1, e)/(1 + e); keys 1, 3 and columns 4, 5 are 0.
    const bool allowed[4] = {true, false, true, true};
    std::vector<float> row = {1, 2, 3, 7, 9, 9};
    kernels::attentionSoftmaxRow(row.data(), allowed, 4, 0, 3, 6, 0.5f);
    const double e = std::exp(1.0);
    const std::vector<double> expected = {1 / (1 + e), 0, e / (1 + e), 0, 0, 0};
    for (std::size_t j = 0; j < row.size(); ++j) QVERIFY(std::abs(row[j] - expected[j]) < 1e-7);
    // Backward: dp = (1, 5, -1) over [0, 3) → 0.5 · p · (dp − Σ p dp).
    std::vector<float> dp = {1, 5, -1, 4, 4, 4};
    kernels::attentionSoftmaxRowBackward(row.data(), dp.data(), 0, 3, 6, 0.5f);
    const double mean = expected[0] * 1 + expected[2] * -1;
    const std::vector<double> grad = {0.5 * expected[0] * (1 - mean), 0, 0.5 * expected[2] * (-1 - mean), 0, 0, 0};
    for (std::size_t j = 0; j < dp.size(); ++j) QVERIFY(std::abs(dp[j] - grad[j]) < 1e-7);
}

void TestFusedAttention::equalsCompositeOnModelMasks() {
    struct Case {
        std::int64_t B, T, past, H, Hkv, Dh;
        std::vector<std::int64_t> pad;
    };
    const std::vector<Case> cases = {
        {2, 37, 0, 4, 2, 16, {0, 0}},     // causal, T not a multiple of 6 or 16
        {3, 20, 0, 4, 4, 32, {0, 5, 19}}, // left padding; row 2 all padding but its last query
        {3, 5, 18, 4, 1, 16, {0, 3, 9}},  // a cache in front (S = 23), 4 query heads per K/V head
        {1, 64, 0, 2, 1, 64, {0}},        // the tiny preset's head size
    };
    for (const Case& c : cases) {
        const std::int64_t S = c.past + c.T;
        const torch::Tensor allowed = modelMask(c.B, c.T, S, c.pad);
        for (const auto dtype : {torch::kDouble, torch::kFloat}) {
            const double tol = dtype == torch::kDouble ? 1e-12 : 2e-5;
            torch::manual_seed(c.T + c.H);
            const torch::Tensor projection = torch::randn({c.B, c.T, (c.H + 2 * c.Hkv) * c.Dh}, torch::kDouble).to(dtype);
            const torch::Tensor upstream = torch::randn({c.B, c.T, c.H * c.Dh}, torch::kDouble).to(dtype);
            const Outcome f = run(true, projection, c.H, c.Hkv, c.Dh, c.past, allowed, upstream);
            const Outcome r = run(false, projection, c.H, c.Hkv, c.Dh, c.past, allowed, upstream);
            QVERIFY(f.out.defined());
            const std::string what = "T " + std::to_string(c.T) + " past " + std::to_string(c.past) + " " +
                                     (dtype == torch::kDouble ? "f64" : "f32") + ": ";
            for (const auto& [name, a, b] : {std::tuple{"out", f.out, r.out}, std::tuple{"dq", f.dq, r.dq},
                                              std::tuple{"dk", f.dk, r.dk}, std::tuple{"dv", f.dv, r.dv}}) {
                const double d = maxAbsDiff(a, b);
                QVERIFY2(d < tol, (what + name + " " + std::to_string(d)).c_str());
            }
        }
    }
}

void TestFusedAttention::equalsCompositeOnArbitraryMask() {
    // Holes in the middle of rows and rows whose ranges do not nest: the block ranges must still
    // cover every allowed key, and masked keys inside a range must get probability 0.
    torch::manual_seed(11);
    const std::int64_t B = 2, T = 29, H = 4, Hkv = 2, Dh = 16;
    torch::Tensor allowed = torch::rand({B, 1, T, T}) < 0.3;
    allowed.select(3, 7).fill_(true);  // every row reads key 7
    const torch::Tensor projection = torch::randn({B, T, (H + 2 * Hkv) * Dh}, torch::kDouble);
    const torch::Tensor upstream = torch::randn({B, T, H * Dh}, torch::kDouble);
    const Outcome f = run(true, projection, H, Hkv, Dh, 0, allowed, upstream);
    const Outcome r = run(false, projection, H, Hkv, Dh, 0, allowed, upstream);
    QVERIFY(maxAbsDiff(f.out, r.out) < 1e-12);
    QVERIFY(maxAbsDiff(f.dq, r.dq) < 1e-12);
    QVERIFY(maxAbsDiff(f.dk, r.dk) < 1e-12);
    QVERIFY(maxAbsDiff(f.dv, r.dv) < 1e-12);
}

void TestFusedAttention::secondDerivativesEqualComposite() {
    // create_graph through the fused attention: the gradient with respect to q, k, v, then the
    // derivative of its projection on a fixed direction, equal to the composite form's.
    torch::manual_seed(12);
    const std::int64_t B = 2, T = 9, H = 2, Hkv = 1, Dh = 8;
    const torch::Tensor allowed = modelMask(B, T, T, {0, 2});
    const torch::Tensor q0 = torch::randn({B, H, T, Dh}, torch::kDouble), k0 = torch::randn({B, Hkv, T, Dh}, torch::kDouble),
                        v0 = torch::randn({B, Hkv, T, Dh}, torch::kDouble);
    const torch::Tensor upstream = torch::randn({B, T, H * Dh}, torch::kDouble);
    auto secondOrder = [&](bool fused) {
        const torch::Tensor q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true),
                            v = v0.clone().requires_grad_(true);
        const torch::Tensor out = fused ? *fusedAttention(q, k, v, allowed, 0.3)
                                        : compositeAttention(q, k, v, attentionBias(allowed, torch::dtype(torch::kDouble)), 0.3)
                                              .transpose(1, 2)
                                              .reshape({B, T, H * Dh});
        const auto g = torch::autograd::grad({out}, {q, k, v}, {upstream}, true, true);
        const torch::Tensor s = (g[0] * q0.cos()).sum() + (g[1] * k0.sin()).sum() + (g[2] * v0).sum();
        return torch::autograd::grad({s}, {q, k, v});
    };
    const auto fused = secondOrder(true), composite = secondOrder(false);
    for (int i = 0; i < 3; ++i) QVERIFY2(maxAbsDiff(fused[i], composite[i]) < 1e-11, std::to_string(i).c_str());
}

void TestFusedAttention::rowWithoutKeysIsNaN() {
    // The model never makes such a row (the diagonal is always allowed); the composite softmax
    // over −inf scores gives NaN, and so does the fused path, instead of a silent zero.
    const torch::Tensor q = torch::randn({1, 2, 3, 16}), k = torch::randn({1, 1, 3, 16});
    torch::Tensor allowed = torch::ones({1, 1, 3, 3}, torch::kBool);
    allowed[0][0][1].fill_(false);
    const torch::Tensor out = fusedAttention(q, k, k, allowed, 0.25)->view({3, 2, 16});
    QVERIFY(out[1].isnan().all().item<bool>());
    QVERIFY(out[0].isfinite().all().item<bool>() && out[2].isfinite().all().item<bool>());
}

void TestFusedAttention::notTakenWhereItDoesNotApply() {
    const torch::Tensor allowed = torch::ones({1, 1, 3, 3}, torch::kBool);
    // A head size that is not whole panels (16 fp32 values).
    QVERIFY(!fusedAttention(torch::randn({1, 2, 3, 12}), torch::randn({1, 1, 3, 12}), torch::randn({1, 1, 3, 12}),
                            allowed, 1.0));
    // Half precision.
    const torch::Tensor h = torch::randn({1, 1, 3, 16}).to(torch::kBFloat16);
    QVERIFY(!fusedAttention(h, h, h, allowed, 1.0));
    // Fused kernels switched off (the benchmarks' composite column).
    const torch::Tensor x = torch::randn({1, 1, 3, 16});
    kernels::setEnabled(false);
    const bool taken = fusedAttention(x, x, x, allowed, 1.0).has_value();
    kernels::setEnabled(true);
    QVERIFY(!taken);
    QVERIFY(fusedAttention(x, x, x, allowed, 1.0).has_value());
    // A mask that does not fit is an error, not a guess.
    QVERIFY_THROWS_EXCEPTION(std::exception, fusedAttention(x, x, x, torch::ones({1, 1, 3, 4}, torch::kBool), 1.0));
}

FLOWER_TEST_MAIN(TestFusedAttention, panelProductEqualsTripleLoop, softmaxRowByHand, equalsCompositeOnModelMasks,
                 equalsCompositeOnArbitraryMask, secondDerivativesEqualComposite, rowWithoutKeysIsNaN,
                 notTakenWhereItDoesNotApply)

#ifdef FLOWER_TEST_QT
#include "test_fused_attention.moc"
#endif
