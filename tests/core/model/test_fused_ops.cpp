// The fused CPU ops (token_log_probs.h, swiglu.h, RMSNorm in rms_norm.h, loops in cpu_kernels.h)
// against the composite LibTorch expressions they replace, differentiated by autograd: values
// and gradients in float64 to 1e-12 and in float32 to ~1e-6 (the fp32 exp is a polynomial);
// hand values on a 3-token row; −inf, NaN and large logits; out-of-range indices refused; enough
// rows that the work is split across threads; the decoding paths (applyLinear with few rows,
// fewQueryAttention) against torch::linear and the plain attention path.
#include "core/model/cpu_kernels.h"
#include "core/model/few_query_attention.h"
#include "core/model/linear.h"
#include "core/model/rms_norm.h"
#include "core/model/rotary_embedding.h"
#include "core/model/swiglu.h"
#include "core/model/token_log_probs.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace flower::model;

namespace {

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Value and input gradient (for a fixed random upstream gradient) of f at x.
std::pair<torch::Tensor, torch::Tensor> valueAndGrad(const std::function<torch::Tensor(const torch::Tensor&)>& f,
                                                     const torch::Tensor& x, const torch::Tensor& upstream) {
    const torch::Tensor leaf = x.detach().clone().requires_grad_(true);
    const torch::Tensor y = f(leaf);
    y.backward(upstream);
    return {y.detach(), leaf.grad()};
}

torch::Tensor compositeLogProbs(const torch::Tensor& logits, const torch::Tensor& index) {
    return torch::log_softmax(logits, -1).gather(1, index);
}

torch::Tensor compositeSwiglu(const torch::Tensor& gu) {
    const std::int64_t f = gu.size(-1) / 2;
    return torch::silu(gu.narrow(-1, 0, f)) * gu.narrow(-1, f, f);
}

}  // namespace

class TestFusedOps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenLogProbsHandValues();
    void tokenLogProbsEqualsComposite();
    void tokenLogProbsExtremes();
    void tokenLogProbsRejectsBadIndices();
    void swigluEqualsComposite();
    void rmsNormEqualsComposite();
    void fastExpAccuracy();
    void secondDerivativesEqualComposite();
    void rotaryEqualsComposite();
    void fewRowsLinearEqualsTorchLinear();
    void fewQueryAttentionEqualsPlainPath();
};

void TestFusedOps::tokenLogProbsHandValues() {
    // Row [0, ln 2, ln 3]: softmax (1, 2, 3)/6. Picking token 2 with upstream 1: the gradient is
    // onehot − softmax.
    const torch::Tensor logits =
        torch::tensor({0.0, std::log(2.0), std::log(3.0)}, torch::kDouble).reshape({1, 3}).requires_grad_(true);
    const torch::Tensor out = tokenLogProbs(logits, torch::tensor({{2, 0}}, torch::kLong));
    QVERIFY(std::abs(out[0][0].item<double>() - std::log(0.5)) < 1e-15);
    QVERIFY(std::abs(out[0][1].item<double>() - std::log(1.0 / 6)) < 1e-15);
    out.select(1, 0).sum().backward();
    const std::vector<double> expected = {-1.0 / 6, -2.0 / 6, 1.0 - 3.0 / 6};
    for (int j = 0; j < 3; ++j) QVERIFY(std::abs(logits.grad()[0][j].item<double>() - expected[j]) < 1e-15);
}

void TestFusedOps::tokenLogProbsEqualsComposite() {
    torch::manual_seed(1);
    for (const auto dtype : {torch::kDouble, torch::kFloat}) {
        const double tol = dtype == torch::kDouble ? 1e-12 : 2e-6;
        const torch::Tensor logits = (torch::randn({67, 301}, torch::kDouble) * 4).to(dtype);  // [N, V]
        torch::Tensor index = torch::randint(0, 301, {67, 2}, torch::kLong);                   // [N, 2]
        index.select(1, 1).narrow(0, 0, 5).copy_(index.select(1, 0).narrow(0, 0, 5));  // a token twice
        const torch::Tensor upstream = torch::randn({67, 2}, torch::kDouble).to(dtype);
        const auto [fy, fg] = valueAndGrad([&](const torch::Tensor& x) { return tokenLogProbs(x, index); },
                                           logits, upstream);
        const auto [cy, cg] = valueAndGrad([&](const torch::Tensor& x) { return compositeLogProbs(x, index); },
                                           logits, upstream);
        QVERIFY2(maxAbsDiff(fy, cy) < tol, std::to_string(maxAbsDiff(fy, cy)).c_str());
        QVERIFY2(maxAbsDiff(fg, cg) < tol, std::to_string(maxAbsDiff(fg, cg)).c_str());
        QCOMPARE(fy.scalar_type(), dtype);
    }
}

void TestFusedOps::tokenLogProbsExtremes() {
    const float inf = std::numeric_limits<float>::infinity();
    // Row 0: a masked (−inf) entry, picked in column 1. Row 1: logits around 1e4 (no overflow).
    // Row 2: a NaN, which must reach the output rather than vanish.
    const torch::Tensor logits = torch::tensor({{1.0f, -inf, 2.0f, 0.5f},
                                                {1e4f, 1e4f + 1, 1e4f - 3, 1e4f},
                                                {0.0f, std::nanf(""), 1.0f, 2.0f}});
    const torch::Tensor index = torch::tensor({{2, 1}, {1, 2}, {0, 3}}, torch::kLong);
    const torch::Tensor out = tokenLogProbs(logits, index);
    const torch::Tensor ref = compositeLogProbs(logits.to(torch::kDouble), index);
    QVERIFY(std::abs(out[0][0].item<double>() - ref[0][0].item<double>()) < 1e-6);
    QVERIFY(std::isinf(out[0][1].item<float>()) && out[0][1].item<float>() < 0);
    QVERIFY(maxAbsDiff(out[1], ref[1]) < 2e-3);  // fp32 spacing at 1e4 is 1e-3
    QVERIFY(std::isnan(out[2][0].item<float>()) && std::isnan(out[2][1].item<float>()));
}

void TestFusedOps::tokenLogProbsRejectsBadIndices() {
    const torch::Tensor logits = torch::zeros({2, 5});
    QVERIFY_THROWS_EXCEPTION(c10::Error, tokenLogProbs(logits, torch::tensor({{0}, {5}}, torch::kLong)));
    QVERIFY_THROWS_EXCEPTION(c10::Error, tokenLogProbs(logits, torch::tensor({{-1}, {0}}, torch::kLong)));
    QVERIFY_THROWS_EXCEPTION(c10::Error, tokenLogProbs(logits, torch::tensor({0, 1}, torch::kLong)));
    QVERIFY_THROWS_EXCEPTION(c10::Error, tokenLogProbs(logits, torch::tensor({{0}, {1}}, torch::kInt)));
}

void TestFusedOps::swigluEqualsComposite() {
    torch::manual_seed(2);
    for (const auto dtype : {torch::kDouble, torch::kFloat}) {
        const double tol = dtype == torch::kDouble ? 1e-12 : 2e-5;
        torch::Tensor gu = torch::randn({3, 41, 2 * 37}, torch::kDouble) * 3;  // [B, T, 2F]
        gu[0][0][0] = 40.0;   // silu saturates: ≈ identity
        gu[0][0][1] = -40.0;  // ≈ 0
        gu = gu.to(dtype);
        const torch::Tensor upstream = torch::randn({3, 41, 37}, torch::kDouble).to(dtype);
        const auto [fy, fg] = valueAndGrad([](const torch::Tensor& x) { return swiglu(x); }, gu, upstream);
        const auto [cy, cg] = valueAndGrad([](const torch::Tensor& x) { return compositeSwiglu(x); }, gu, upstream);
        // Relative to the magnitudes involved (values reach ~40·|up|).
        QVERIFY2(maxAbsDiff(fy, cy) < tol * 50, std::to_string(maxAbsDiff(fy, cy)).c_str());
        QVERIFY2(maxAbsDiff(fg, cg) < tol * 50, std::to_string(maxAbsDiff(fg, cg)).c_str());
        QCOMPARE(fy.sizes().vec(), (std::vector<std::int64_t>{3, 41, 37}));
    }
    QVERIFY_THROWS_EXCEPTION(c10::Error, swiglu(torch::zeros({2, 5})));
}

void TestFusedOps::rmsNormEqualsComposite() {
    torch::manual_seed(3);
    for (const auto dtype : {torch::kDouble, torch::kFloat}) {
        const double tol = dtype == torch::kDouble ? 1e-12 : 1e-5;
        RMSNorm norm(48, 1e-6);
        norm->to(dtype);
        {
            torch::NoGradGuard noGrad;
            norm->weight.copy_(torch::randn({48}, torch::kDouble).to(dtype));
        }
        const torch::Tensor x = torch::randn({5, 37, 48}, torch::kDouble).to(dtype);  // 185 rows: split
        const torch::Tensor upstream = torch::randn({5, 37, 48}, torch::kDouble).to(dtype);
        const torch::Tensor w = norm->weight.detach().clone().requires_grad_(true);
        const torch::Tensor xc = x.clone().requires_grad_(true);
        const torch::Tensor ref = w * (xc * torch::rsqrt(xc.pow(2).mean(-1, true) + 1e-6));
        ref.backward(upstream);
        norm->zero_grad();
        const torch::Tensor xf = x.clone().requires_grad_(true);
        const torch::Tensor out = norm(xf);
        out.backward(upstream);
        QVERIFY2(maxAbsDiff(out, ref) < tol, std::to_string(maxAbsDiff(out, ref)).c_str());
        QVERIFY2(maxAbsDiff(xf.grad(), xc.grad()) < tol, std::to_string(maxAbsDiff(xf.grad(), xc.grad())).c_str());
        QVERIFY2(maxAbsDiff(norm->weight.grad(), w.grad()) < tol * 10,
                 std::to_string(maxAbsDiff(norm->weight.grad(), w.grad())).c_str());
    }
}

void TestFusedOps::fastExpAccuracy() {
    // The fp32 exp inside the kernels, through scaledSoftmax (out = −scale · exp(x − lse)), over
    // the whole range a softmax sees, against double std::exp: relative error ≤ 3e-7.
    std::vector<float> x;
    for (float v = -87.0f; v <= 0.0f; v += 0.01f) x.push_back(v);
    std::vector<float> out(x.size());
    kernels::scaledSoftmax(x.data(), 0.0f, -1.0f, out.data(), static_cast<std::int64_t>(x.size()));
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double ref = std::exp(static_cast<double>(x[i]));
        worst = std::max(worst, std::abs(out[i] - ref) / ref);
    }
    QVERIFY2(worst < 3e-7, std::to_string(worst).c_str());
    // logSumExp over a row spanning large magnitudes, against double.
    std::vector<float> row = {80.0f, -80.0f, 79.5f, 0.0f, -1e30f};
    double ref = 0;
    for (float v : row) ref += std::exp(static_cast<double>(v) - 80.0);
    ref = 80.0 + std::log(ref);
    QVERIFY(std::abs(kernels::logSumExp(row.data(), 5) - ref) < 1e-5);
    const float ninf = -std::numeric_limits<float>::infinity();
    std::vector<float> masked = {ninf, ninf};
    QVERIFY(std::isinf(kernels::logSumExp(masked.data(), 2)));
}

void TestFusedOps::secondDerivativesEqualComposite() {
    // create_graph backward (a Hessian-vector product) through each fused op equals the
    // composite's: the fused backward switches to differentiable ops when grad mode is on.
    torch::manual_seed(4);
    auto hvp = [](const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x0) {
        const torch::Tensor x = x0.clone().requires_grad_(true);
        const torch::Tensor y = f(x);
        const torch::Tensor upstream = torch::linspace(-1, 1, y.numel(), torch::kDouble).reshape(y.sizes());
        const torch::Tensor g = torch::autograd::grad({y}, {x}, {upstream}, true, true)[0];
        const torch::Tensor v = torch::cos(torch::arange(g.numel(), torch::kDouble)).reshape(g.sizes());
        return std::make_pair(g.detach(), torch::autograd::grad({(g * v).sum()}, {x})[0]);
    };
    const torch::Tensor logits = torch::randn({9, 13}, torch::kDouble);
    const torch::Tensor index = torch::randint(0, 13, {9, 2}, torch::kLong);
    const auto [fg, fh] = hvp([&](const torch::Tensor& x) { return tokenLogProbs(x, index); }, logits);
    const auto [cg, ch] = hvp([&](const torch::Tensor& x) { return compositeLogProbs(x, index); }, logits);
    QVERIFY(maxAbsDiff(fg, cg) < 1e-12 && maxAbsDiff(fh, ch) < 1e-12);

    const torch::Tensor gu = torch::randn({4, 10}, torch::kDouble);
    const auto [sg, sh] = hvp([](const torch::Tensor& x) { return swiglu(x); }, gu);
    const auto [tg, th] = hvp([](const torch::Tensor& x) { return compositeSwiglu(x); }, gu);
    QVERIFY(maxAbsDiff(sg, tg) < 1e-12 && maxAbsDiff(sh, th) < 1e-12);

    RMSNorm norm(6, 1e-6);
    norm->to(torch::kDouble);
    const torch::Tensor h = torch::randn({5, 6}, torch::kDouble);
    const auto [ng, nh] = hvp([&](const torch::Tensor& x) { return norm(x); }, h);
    const auto [rg, rh] = hvp([](const torch::Tensor& x) { return x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-6); }, h);
    QVERIFY(maxAbsDiff(ng, rg) < 1e-12 && maxAbsDiff(nh, rh) < 1e-12);
}

void TestFusedOps::rotaryEqualsComposite() {
    // Input as the attention makes it: the q part of a fused projection [B, T, (H+2)·Dh], viewed
    // as [B, H, T, Dh] (strided). Reference: the composite form (kernels switched off).
    torch::manual_seed(7);
    const std::int64_t B = 3, T = 11, H = 4, Dh = 16;
    const torch::Tensor positions = torch::arange(T).repeat({B, 1}) + torch::tensor({0, 3, 7}).unsqueeze(1);
    for (const auto dtype : {torch::kDouble, torch::kFloat}) {
        const double tol = dtype == torch::kDouble ? 1e-13 : 1e-6;
        const auto [cos, sin] = rotaryCosSin(positions, Dh, 10000.0, dtype);
        const torch::Tensor fusedProjection = torch::randn({B, T, (H + 2) * Dh}, torch::kDouble).to(dtype);
        auto view = [&](const torch::Tensor& p) { return p.narrow(2, 0, H * Dh).reshape({B, T, H, Dh}).transpose(1, 2); };
        const torch::Tensor upstream = torch::randn({B, H, T, Dh}, torch::kDouble).to(dtype);
        const auto [fy, fg] = valueAndGrad([&](const torch::Tensor& p) { return applyRotary(view(p), cos, sin); },
                                           fusedProjection, upstream);
        kernels::setEnabled(false);
        const auto [cy, cg] = valueAndGrad([&](const torch::Tensor& p) { return applyRotary(view(p), cos, sin); },
                                           fusedProjection, upstream);
        kernels::setEnabled(true);
        QVERIFY2(maxAbsDiff(fy, cy) < tol, std::to_string(maxAbsDiff(fy, cy)).c_str());
        QVERIFY2(maxAbsDiff(fg, cg) < tol, std::to_string(maxAbsDiff(fg, cg)).c_str());
    }
    // create_graph: the gradient is linear in the upstream gradient, so its own derivative with
    // respect to that gradient must come out equal too.
    const auto [cos, sin] = rotaryCosSin(positions, Dh, 10000.0, torch::kDouble);
    const torch::Tensor x = torch::randn({B, H, T, Dh}, torch::kDouble).requires_grad_(true);
    const torch::Tensor g = torch::randn({B, H, T, Dh}, torch::kDouble).requires_grad_(true);
    const torch::Tensor v = torch::randn({B, H, T, Dh}, torch::kDouble);
    auto secondOrder = [&] {
        const torch::Tensor gx = torch::autograd::grad({applyRotary(x, cos, sin)}, {x}, {g}, true, true)[0];
        return torch::autograd::grad({(gx * v).sum()}, {g})[0];
    };
    const torch::Tensor fused = secondOrder();
    kernels::setEnabled(false);
    const torch::Tensor composite = secondOrder();
    kernels::setEnabled(true);
    QVERIFY(maxAbsDiff(fused, composite) < 1e-13);
}

void TestFusedOps::fewRowsLinearEqualsTorchLinear() {
    // Every row count up to kFewRows (8-row blocks and their remainders), K not a multiple of
    // 8, with and without bias, rows split across threads (N large): equal to torch::linear.
    torch::manual_seed(5);
    torch::NoGradGuard noGrad;
    for (const std::int64_t K : {7, 24, 64, 267}) {  // 267 = 16·16 + 8 + 3: every k-loop of dotRows
        const torch::Tensor w = torch::randn({1031, K});
        const torch::Tensor b = torch::randn({1031});
        for (std::int64_t M = 1; M <= kFewRows; M += (M < 10 ? 1 : 11)) {
            const torch::Tensor x = torch::randn({M, 1, K});
            const double tol = 1e-5 * std::sqrt(static_cast<double>(K));
            QVERIFY2(maxAbsDiff(applyLinear(x, w, b), torch::linear(x, w, b)) < tol, std::to_string(M).c_str());
            QVERIFY(maxAbsDiff(applyLinear(x, w), torch::linear(x, w)) < tol);
        }
    }
}

void TestFusedOps::fewQueryAttentionEqualsPlainPath() {
    torch::manual_seed(6);
    const std::int64_t B = 3, H = 4, Hkv = 2, S = 19, Dh = 16, G = H / Hkv;
    const double scale = 0.25;
    for (const std::int64_t T : {1, 3}) {
        const torch::Tensor q = torch::randn({B, H, T, Dh});
        const torch::Tensor k = torch::randn({B, Hkv, S, Dh}), v = torch::randn({B, Hkv, S, Dh});
        // Row 1 masks its first 5 keys (left padding); row 2 its last key for the first query.
        torch::Tensor bias = torch::zeros({B, 1, 1, T, S});
        bias[1].narrow(-1, 0, 5).fill_(-std::numeric_limits<float>::infinity());
        bias[2][0][0][0][S - 1] = -std::numeric_limits<float>::infinity();
        // Reference: grouped matmul-softmax-matmul, as the plain path computes it.
        const torch::Tensor qg = (q * scale).reshape({B, Hkv, G * T, Dh});
        const torch::Tensor scores = torch::matmul(qg, k.transpose(-1, -2)).view({B, Hkv, G, T, S}) + bias;
        const torch::Tensor ref =
            torch::matmul(torch::softmax(scores, -1).view({B, Hkv, G * T, S}), v).view({B, H, T, Dh});
        torch::NoGradGuard noGrad;
        const auto out = fewQueryAttention(q, k, v, bias, scale);
        QVERIFY(out.has_value());
        QVERIFY2(maxAbsDiff(*out, ref) < 1e-5, std::to_string(maxAbsDiff(*out, ref)).c_str());
    }
    // Not taken: a gradient to record, double precision, too many queries.
    const torch::Tensor q = torch::randn({1, 2, 1, 8}, torch::requires_grad()), k = torch::randn({1, 1, 3, 8});
    const torch::Tensor bias = torch::zeros({1, 1, 1, 1, 3});
    QVERIFY(!fewQueryAttention(q, k, k, bias, 1.0).has_value());
    QVERIFY(!fewQueryAttention(q.detach().to(torch::kDouble), k.to(torch::kDouble), k.to(torch::kDouble),
                               bias.to(torch::kDouble), 1.0).has_value());
    QVERIFY(!fewQueryAttention(torch::randn({1, 2, kFewQueries + 1, 8}), k, k,
                               torch::zeros({1, 1, 1, kFewQueries + 1, 3}), 1.0).has_value());
}

FLOWER_TEST_MAIN(TestFusedOps, tokenLogProbsHandValues, tokenLogProbsEqualsComposite, tokenLogProbsExtremes,
                 tokenLogProbsRejectsBadIndices, swigluEqualsComposite, rmsNormEqualsComposite, fastExpAccuracy,
                 secondDerivativesEqualComposite, rotaryEqualsComposite, fewRowsLinearEqualsTorchLinear, fewQueryAttentionEqualsPlainPath)

#ifdef FLOWER_TEST_QT
#include "test_fused_ops.moc"
#endif
