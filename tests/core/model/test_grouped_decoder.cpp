// GroupedDecoder against the plain model: every row's hidden state after a step must equal the
// last position of the model run (no cache) over that row's whole sequence — its group's prompt
// followed by the tokens of its chain — through forks (two rows continuing one node), rows of
// different groups, groups in any row order, a group taking a new prompt while another keeps
// decoding, prompts of different lengths (left padding in the prompt pass), and the room for
// generated tokens growing on the way. fp64 to 1e-10,
// fp32 to 1e-4 (the fp32 kernels: the attention tile and the vectorised loops). Bad use is refused.
#include "core/model/grouped_decoder.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

using namespace flower;

namespace {

using Tokens = std::vector<std::int64_t>;

model::Qwen2ForCausalLM policy(torch::Dtype dtype) {
    model::Qwen2ForCausalLM p(model::qwen2Preset("nano", 12));
    p->initWeights(5);
    p->to(dtype);
    p->eval();
    return p;
}

// The model's last hidden state over `sequence`, no cache: [D].
at::Tensor reference(model::Qwen2ForCausalLMImpl& m, const Tokens& sequence) {
    const auto T = static_cast<std::int64_t>(sequence.size());
    return m.hiddenStates(torch::tensor(sequence, torch::kLong).view({1, T}))[0][T - 1];
}

// Prompt pass over left-padded prompts: the cache GroupedDecoder::setPrompt reads.
model::KvCache promptPass(model::Qwen2ForCausalLMImpl& m, const std::vector<Tokens>& prompts) {
    std::size_t longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, p.size());
    const auto rows = static_cast<std::int64_t>(prompts.size()), cols = static_cast<std::int64_t>(longest);
    at::Tensor ids = torch::zeros({rows, cols}, torch::kLong), mask = torch::zeros({rows, cols}, torch::kLong);
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto& p = prompts[static_cast<std::size_t>(r)];
        const auto len = static_cast<std::int64_t>(p.size());
        for (std::int64_t t = 0; t < len; ++t) {
            ids[r][cols - len + t] = p[static_cast<std::size_t>(t)];
            mask[r][cols - len + t] = 1;
        }
    }
    model::KvCache cache(m.config().numHiddenLayers);
    m.hiddenStates(ids, mask, &cache);
    return cache;
}

struct Row {
    std::int64_t group;
    std::int64_t token;
    std::int32_t parent;  // node, −1 after the prompt
};

}  // namespace

class TestGroupedDecoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void equalsTheModelOnWholeSequences();
    void refusesBadUse();
};

void TestGroupedDecoder::equalsTheModelOnWholeSequences() {
    for (const auto dtype : {torch::kDouble, torch::kFloat}) {
        const double tolerance = dtype == torch::kDouble ? 1e-10 : 1e-4;
        auto m = policy(dtype);
        torch::NoGradGuard noGrad;
        c10::InferenceMode inference;
        QVERIFY(model::GroupedDecoder::applies(*m));
        model::GroupedDecoder dec(*m, 3, 7, 2, 4);  // room for 2 tokens per group: grows twice
        const std::vector<Tokens> first = {{3, 4, 5, 6, 2}, {7, 8}, {9, 1, 11}};
        const auto cache = promptPass(*m, first);
        std::vector<Tokens> prompt(3);
        // Groups take the prompt rows out of order: group g ← row (g + 1) % 3.
        for (std::int64_t g = 0; g < 3; ++g) {
            dec.setPrompt(g, cache, (g + 1) % 3);
            prompt[static_cast<std::size_t>(g)] = first[static_cast<std::size_t>((g + 1) % 3)];
            QCOMPARE(dec.promptLength(g), static_cast<std::int64_t>(prompt[static_cast<std::size_t>(g)].size()));
        }
        std::map<std::pair<std::int64_t, std::int32_t>, Tokens> chainOf;  // (group, node) → generated tokens
        // QCOMPARE/QVERIFY return from the lambda: the new nodes come back through `nodes`.
        const auto runStep = [&](const std::vector<Row>& rows, std::vector<std::int32_t>& nodes) {
            std::vector<std::int64_t> groups, tokens;
            std::vector<std::int32_t> parents;
            for (const auto& r : rows) {
                groups.push_back(r.group);
                tokens.push_back(r.token);
                parents.push_back(r.parent);
            }
            const at::Tensor h = dec.step(groups, tokens, parents, nodes);
            QCOMPARE(h.size(0), static_cast<std::int64_t>(rows.size()));
            std::int64_t keys = 0;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                Tokens chain = rows[i].parent < 0 ? Tokens{} : chainOf.at({rows[i].group, rows[i].parent});
                chain.push_back(rows[i].token);
                chainOf[{rows[i].group, nodes[i]}] = chain;
                Tokens sequence = prompt[static_cast<std::size_t>(rows[i].group)];
                sequence.insert(sequence.end(), chain.begin(), chain.end());
                keys += static_cast<std::int64_t>(sequence.size());
                const double err = (h[static_cast<std::int64_t>(i)] - reference(*m, sequence)).abs().max().item<double>();
                QVERIFY2(err < tolerance, ("row " + std::to_string(i) + ": " + std::to_string(err)).c_str());
            }
            QCOMPARE(dec.lastStepKeys(), keys);
        };
        std::vector<std::int32_t> n1, n2, n3, n4;
        // Step 1: group 0 forks two rows off its prompt, group 2 one, group 1 waits.
        runStep({{0, 1, -1}, {0, 2, -1}, {2, 3, -1}}, n1);
        // Step 2: group 2 first; group 0 forks node n1[0] twice and drops n1[1].
        runStep({{2, 4, n1[2]}, {0, 9, n1[0]}, {0, 10, n1[0]}, {1, 5, -1}}, n2);
        // Group 1 gets a new prompt (refill) while the others go on.
        const auto second = promptPass(*m, {{6, 6, 6, 6, 6, 6, 6}, {10, 2}});
        dec.setPrompt(1, second, 1);
        prompt[1] = {10, 2};
        runStep({{0, 11, n2[2]}, {0, 3, n2[1]}, {1, 7, -1}, {2, 8, n2[0]}}, n3);
        runStep({{1, 9, n3[2]}, {1, 4, n3[2]}, {0, 5, n3[0]}, {2, 1, n3[3]}}, n4);
        const auto& t = dec.timing();
        QVERIFY(t.total >= t.gemm + t.attention && t.gemm > 0.0);
    }
}

void TestGroupedDecoder::refusesBadUse() {
    auto m = policy(torch::kDouble);
    torch::NoGradGuard noGrad;
    c10::InferenceMode inference;
    model::GroupedDecoder dec(*m, 2, 4, 3, 2);
    const auto cache = promptPass(*m, {{1, 2, 3}, {4, 5, 6, 7, 8}});
    QVERIFY_THROWS_EXCEPTION(c10::Error, dec.setPrompt(0, cache, 1));  // 5 tokens, room for 4
    dec.setPrompt(0, cache, 0);
    std::vector<std::int32_t> nodes;
    // Group 1 has no prompt; a parent that does not exist; rows of group 0 not contiguous.
    QVERIFY_THROWS_EXCEPTION(c10::Error, dec.step(std::vector<std::int64_t>{1}, std::vector<std::int64_t>{1},
                                                  std::vector<std::int32_t>{-1}, nodes));
    QVERIFY_THROWS_EXCEPTION(c10::Error, dec.step(std::vector<std::int64_t>{0}, std::vector<std::int64_t>{1},
                                                  std::vector<std::int32_t>{0}, nodes));
    dec.setPrompt(1, cache, 0);
    QVERIFY_THROWS_EXCEPTION(c10::Error, dec.step(std::vector<std::int64_t>{0, 1, 0}, std::vector<std::int64_t>{1, 2, 3},
                                                  std::vector<std::int32_t>{-1, -1, -1}, nodes));
    // Chains longer than 2 are refused.
    dec.setPrompt(0, cache, 0);
    dec.step(std::vector<std::int64_t>{0}, std::vector<std::int64_t>{1}, std::vector<std::int32_t>{-1}, nodes);
    dec.step(std::vector<std::int64_t>{0}, std::vector<std::int64_t>{2}, std::vector<std::int32_t>{nodes[0]}, nodes);
    QVERIFY_THROWS_EXCEPTION(c10::Error, dec.step(std::vector<std::int64_t>{0}, std::vector<std::int64_t>{3},
                                                  std::vector<std::int32_t>{nodes[0]}, nodes));
}

FLOWER_TEST_MAIN(TestGroupedDecoder, equalsTheModelOnWholeSequences, refusesBadUse)

#ifdef FLOWER_TEST_QT
#include "test_grouped_decoder.moc"
#endif
