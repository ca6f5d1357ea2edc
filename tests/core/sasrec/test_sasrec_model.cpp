// SasRec: the forward pass against a brute-force fp64 reimplementation of the reference's
// equations (loops, no tensors), the key/query/causal masking of the attention, the fast
// last-position path against the full sequence output, the two-column scores against the full
// ones, parameter names and init, dropout from a seeded generator, and every parameter's
// gradient against central finite differences.
#include "core/sasrec/sasrec_attention.h"
#include "core/sasrec/sasrec_model.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <vector>

using flower::sasrec::SasRec;
using flower::sasrec::SasRecConfig;
using Vec = std::vector<double>;

namespace {

constexpr double kMasked = -4294967295.0;

SasRecConfig tinyConfig() {
    SasRecConfig c;
    c.items = 6;
    c.maxLength = 4;
    c.hidden = 4;
    return c;
}

// A tiny fp64 model whose LayerNorm parameters are random too (not the (1, 0) of the init).
SasRec tinyModel() {
    SasRec m(tinyConfig());
    m->initWeights(7);
    m->to(torch::kFloat64);
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(11);
    torch::NoGradGuard noGrad;
    for (auto& p : m->named_parameters()) {
        if (p.key().find("ln") != std::string::npos || p.key().find("layer_norm") != std::string::npos) {
            p.value().uniform_(-1.0, 1.0, g);
        }
    }
    m->eval();
    return m;
}

std::map<std::string, at::Tensor> params(SasRec& m) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : m->named_parameters()) out[p.key()] = p.value().detach().contiguous();
    return out;
}

Vec row(const at::Tensor& t, std::int64_t r) {
    const at::Tensor x = t.select(0, r).contiguous();
    return Vec(x.data_ptr<double>(), x.data_ptr<double>() + x.numel());
}

// y = W x + b with W [out, in] (a Conv1d weight [out, in, 1] reads the same).
Vec affine(const at::Tensor& w, const at::Tensor& b, const Vec& x) {
    const auto out = w.size(0);
    Vec y(static_cast<std::size_t>(out));
    const at::Tensor w2 = w.reshape({out, -1}).contiguous();
    for (std::int64_t o = 0; o < out; ++o) {
        double s = b[o].item<double>();
        for (std::size_t i = 0; i < x.size(); ++i) s += w2[o][static_cast<std::int64_t>(i)].item<double>() * x[i];
        y[static_cast<std::size_t>(o)] = s;
    }
    return y;
}

Vec layerNorm(const at::Tensor& g, const at::Tensor& b, const Vec& x) {
    double mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(x.size());
    for (double v : x) var += (v - mean) * (v - mean);
    var /= static_cast<double>(x.size());
    Vec y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        y[i] = (x[i] - mean) / std::sqrt(var + 1e-5) * g[static_cast<std::int64_t>(i)].item<double>() +
               b[static_cast<std::int64_t>(i)].item<double>();
    }
    return y;
}

double sum(const Vec& x) {
    double s = 0;
    for (double v : x) s += v;
    return s;
}

double dot(const Vec& a, const Vec& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

// The reference's attention for query i over keys 0..T-1, by hand.
Vec attendByHand(std::map<std::string, at::Tensor>& P, const std::string& prefix,
                 const std::vector<Vec>& queries, const std::vector<Vec>& keys, std::size_t i) {
    const double D = static_cast<double>(queries[i].size());
    const Vec q = affine(P[prefix + "linear_q.weight"], P[prefix + "linear_q.bias"], queries[i]);
    std::vector<double> s(keys.size());
    double top = -INFINITY;
    for (std::size_t j = 0; j < keys.size(); ++j) {
        const bool masked = j > i || sum(keys[j]) == 0.0;
        s[j] = masked ? kMasked
                      : dot(q, affine(P[prefix + "linear_k.weight"], P[prefix + "linear_k.bias"], keys[j])) / std::sqrt(D);
        top = std::max(top, s[j]);
    }
    double z = 0;
    for (double& v : s) z += (v = std::exp(v - top));
    Vec out = queries[i];
    if (sum(queries[i]) == 0.0) return out;  // query masking: zero weights
    for (std::size_t j = 0; j < keys.size(); ++j) {
        const Vec v = affine(P[prefix + "linear_v.weight"], P[prefix + "linear_v.bias"], keys[j]);
        for (std::size_t d = 0; d < out.size(); ++d) out[d] += s[j] / z * v[d];
    }
    return out;
}

// The reference's ln_3 output at every position of one row, by hand.
std::vector<Vec> sequenceByHand(std::map<std::string, at::Tensor>& P, const std::vector<std::int64_t>& states,
                                std::int64_t items) {
    const auto T = states.size();
    std::vector<Vec> seq(T), qn(T), out(T);
    for (std::size_t t = 0; t < T; ++t) {
        const Vec e = row(P["item_embeddings.weight"], states[t]);
        const Vec p = row(P["positional_embeddings.weight"], static_cast<std::int64_t>(t));
        seq[t].resize(e.size());
        for (std::size_t d = 0; d < e.size(); ++d) seq[t][d] = states[t] == items ? 0.0 : e[d] + p[d];
        qn[t] = layerNorm(P["ln_1.weight"], P["ln_1.bias"], seq[t]);
    }
    for (std::size_t t = 0; t < T; ++t) {
        const Vec a = attendByHand(P, "mh_attn.", qn, seq, t);
        const Vec x = layerNorm(P["ln_2.weight"], P["ln_2.bias"], a);
        Vec h = affine(P["feed_forward.w_1.weight"], P["feed_forward.w_1.bias"], x);
        for (double& v : h) v = std::max(v, 0.0);
        Vec y = affine(P["feed_forward.w_2.weight"], P["feed_forward.w_2.bias"], h);
        for (std::size_t d = 0; d < y.size(); ++d) y[d] += x[d];
        Vec f = layerNorm(P["feed_forward.layer_norm.weight"], P["feed_forward.layer_norm.bias"], y);
        if (states[t] == items) f.assign(f.size(), 0.0);
        out[t] = layerNorm(P["ln_3.weight"], P["ln_3.bias"], f);
    }
    return out;
}

const std::vector<std::vector<std::int64_t>> kStates = {{0, 3, 6, 6}, {5, 1, 2, 4}, {2, 6, 6, 6}};
const std::vector<std::int64_t> kLengths = {2, 4, 1};

at::Tensor statesTensor() {
    at::Tensor t = torch::empty({3, 4}, torch::kInt64);
    for (int b = 0; b < 3; ++b)
        for (int i = 0; i < 4; ++i) t[b][i] = kStates[b][i];
    return t;
}

at::Tensor lengthsTensor() { return torch::tensor(kLengths, torch::kInt64); }

bool close(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

}  // namespace

class TestSasRecModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesShapesAndInit();
    void sequenceOutputMatchesHandComputation();
    void attentionMasksPaddedKeysFutureKeysAndZeroQueries();
    void lastPositionPathEqualsFullOutput();
    void chosenScoresEqualFullScores();
    void dropoutIsSeededAndOffInEvaluation();
    void gradientsMatchFiniteDifferences();
};

void TestSasRecModel::namesShapesAndInit() {
    SasRecConfig c;
    c.items = 2653;
    SasRec m(c);
    m->initWeights(1);
    const auto P = params(m);
    // The reference's state dict, name for name.
    for (const char* name :
         {"item_embeddings.weight", "positional_embeddings.weight", "ln_1.weight", "ln_2.bias", "ln_3.weight",
          "mh_attn.linear_q.weight", "mh_attn.linear_k.bias", "mh_attn.linear_v.weight",
          "feed_forward.w_1.weight", "feed_forward.w_2.bias", "feed_forward.layer_norm.weight", "s_fc.weight",
          "s_fc.bias"}) {
        QVERIFY2(P.count(name) == 1, name);
    }
    QCOMPARE(P.size(), std::size_t(22));
    QCOMPARE(P.at("item_embeddings.weight").size(0), std::int64_t(2654));  // + the padding id
    QCOMPARE(P.at("s_fc.weight").size(0), std::int64_t(2653));
    QCOMPARE(P.at("feed_forward.w_1.weight").dim(), std::int64_t(3));  // Conv1d [64, 64, 1]
    // N(0, 0.01) item embeddings, N(0, 1) positions, U(±1/8) linear weights.
    const double itemStd = P.at("item_embeddings.weight").std().item<double>();
    QVERIFY2(itemStd > 0.0095 && itemStd < 0.0105, std::to_string(itemStd).c_str());
    const double posStd = P.at("positional_embeddings.weight").std().item<double>();
    QVERIFY2(posStd > 0.8 && posStd < 1.2, std::to_string(posStd).c_str());
    QVERIFY(P.at("s_fc.weight").abs().max().item<double>() <= 0.125);
    QVERIFY(P.at("s_fc.weight").abs().max().item<double>() > 0.12);
    QCOMPARE(P.at("ln_1.weight").sum().item<double>(), 64.0);
    SasRec again(c);
    again->initWeights(1);
    QVERIFY(torch::equal(params(again).at("mh_attn.linear_k.weight"), P.at("mh_attn.linear_k.weight")));
}

void TestSasRecModel::sequenceOutputMatchesHandComputation() {
    SasRec m = tinyModel();
    auto P = params(m);
    const at::Tensor out = m->sequenceOutput(statesTensor());  // [3, 4, 4]
    for (int b = 0; b < 3; ++b) {
        const auto expected = sequenceByHand(P, kStates[b], 6);
        for (int t = 0; t < 4; ++t)
            for (int d = 0; d < 4; ++d) {
                const double got = out[b][t][d].item<double>();
                QVERIFY2(close(got, expected[t][d], 1e-12),
                         (std::to_string(b) + "," + std::to_string(t) + ": " + std::to_string(got) + " vs " +
                          std::to_string(expected[t][d])).c_str());
            }
    }
}

void TestSasRecModel::attentionMasksPaddedKeysFutureKeysAndZeroQueries() {
    flower::sasrec::SasRecAttention attention(4, 0.1);
    attention->to(torch::kFloat64);
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(5);
    at::Tensor keys = torch::empty({1, 5, 4}, torch::kFloat64).normal_(0, 1, g);
    at::Tensor queries = torch::empty({1, 5, 4}, torch::kFloat64).normal_(0, 1, g);
    keys[0][1].zero_();     // a padded key in the middle: no query may attend to it
    queries[0][3].zero_();  // a zero query: its weights are zeroed, the output is the query
    const at::Tensor out = attention->forward(queries, keys, nullptr);
    std::map<std::string, at::Tensor> P;
    for (const auto& p : attention->named_parameters()) P[p.key()] = p.value().detach();
    std::vector<Vec> q, k;
    for (int t = 0; t < 5; ++t) {
        q.push_back(row(queries[0], t));
        k.push_back(row(keys[0], t));
    }
    for (std::size_t i = 0; i < 5; ++i) {
        const Vec expected = attendByHand(P, "", q, k, i);
        for (int d = 0; d < 4; ++d) {
            QVERIFY(close(out[0][static_cast<std::int64_t>(i)][d].item<double>(), expected[static_cast<std::size_t>(d)], 1e-12));
        }
    }
    // Changing a future key (4) leaves query 2 unchanged and changes query 4.
    at::Tensor changed = keys.clone();
    changed[0][4].normal_(0, 1, g);
    QVERIFY(torch::allclose(attention->forward(queries, changed, nullptr)[0][2], out[0][2], 0, 0));
    QVERIFY(!torch::allclose(attention->forward(queries, changed, nullptr)[0][4], out[0][4]));
    QVERIFY(torch::equal(out[0][3], queries[0][3]));
}

void TestSasRecModel::lastPositionPathEqualsFullOutput() {
    SasRec m = tinyModel();
    const at::Tensor full = m->sequenceOutput(statesTensor());  // [3, 4, 4]
    const at::Tensor last = m->state(statesTensor(), lengthsTensor());  // [3, 4]
    for (int b = 0; b < 3; ++b) {
        QVERIFY(torch::allclose(last[b], full[b][kLengths[b] - 1], 1e-13, 1e-13));
    }
    // Padding content after len − 1 cannot matter: the padded ids are masked, not read.
    at::Tensor longer = statesTensor();
    longer[2][1] = 4;  // row 2 now has two items, but we still score position 0
    QVERIFY(torch::allclose(m->state(longer, lengthsTensor())[2], last[2], 1e-13, 1e-13));
}

void TestSasRecModel::chosenScoresEqualFullScores() {
    SasRec m = tinyModel();
    const at::Tensor h = m->state(statesTensor(), lengthsTensor());
    const at::Tensor all = m->scoreAll(h);  // [3, 6]
    QCOMPARE(all.size(1), std::int64_t(6));
    const at::Tensor cols = torch::tensor({0, 5, 3, 3, 2, 1}, torch::kInt64).view({3, 2});
    QVERIFY(torch::allclose(m->scoreItems(h, cols), all.gather(1, cols), 1e-13, 1e-13));
}

void TestSasRecModel::dropoutIsSeededAndOffInEvaluation() {
    SasRec m = tinyModel();
    const at::Tensor plain = m->state(statesTensor(), lengthsTensor());
    at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(3), g2 = at::make_generator<at::CPUGeneratorImpl>(3);
    const at::Tensor a = m->state(statesTensor(), lengthsTensor(), &g1);
    const at::Tensor b = m->state(statesTensor(), lengthsTensor(), &g2);
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::allclose(a, plain));
    QVERIFY(torch::equal(m->state(statesTensor(), lengthsTensor()), plain));
}

void TestSasRecModel::gradientsMatchFiniteDifferences() {
    SasRec m = tinyModel();
    const at::Tensor cols = torch::tensor({1, 4, 3, 0, 5, 2}, torch::kInt64).view({3, 2});
    const at::Tensor labels = torch::tensor({1.0, 0.0}, torch::kFloat64).expand({3, 2});
    auto loss = [&] {
        return torch::binary_cross_entropy_with_logits(
            m->scoreItems(m->state(statesTensor(), lengthsTensor()), cols), labels);
    };
    for (auto& p : m->parameters()) p.mutable_grad() = at::Tensor();
    loss().backward();
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(9);
    int checked = 0;
    for (const auto& named : m->named_parameters()) {
        at::Tensor p = named.value();
        const at::Tensor grad = p.grad().reshape(-1);
        at::Tensor flat = p.detach().view(-1);
        for (int trial = 0; trial < 4; ++trial) {
            const auto i = torch::randint(flat.numel(), {1}, g, torch::kInt64).item<std::int64_t>();
            const double saved = flat[i].item<double>();
            const double h = 1e-6;
            double plus, minus;
            {
                torch::NoGradGuard noGrad;
                flat[i] = saved + h;
                plus = loss().item<double>();
                flat[i] = saved - h;
                minus = loss().item<double>();
                flat[i] = saved;
            }
            const double numeric = (plus - minus) / (2 * h);
            const double analytic = grad[i].item<double>();
            QVERIFY2(std::abs(numeric - analytic) <= 1e-7 + 1e-5 * std::abs(analytic),
                     (named.key() + "[" + std::to_string(i) + "]: " + std::to_string(analytic) + " vs " +
                      std::to_string(numeric)).c_str());
            ++checked;
        }
    }
    QCOMPARE(checked, 22 * 4);
}

FLOWER_TEST_MAIN(TestSasRecModel, namesShapesAndInit, sequenceOutputMatchesHandComputation,
                 attentionMasksPaddedKeysFutureKeysAndZeroQueries, lastPositionPathEqualsFullOutput,
                 chosenScoresEqualFullScores, dropoutIsSeededAndOffInEvaluation,
                 gradientsMatchFiniteDifferences)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_model.moc"
#endif
