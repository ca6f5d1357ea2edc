#include "core/decode/beam_search.h"

#include "core/decode/item_guidance.h"
#include "core/decode/trie_candidates.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <string>

namespace flower::decode {

namespace {

void checkOptions(const BeamSearchOptions& o) {
    if (o.beams < 1) throw Error({"", 0, "beams"}, "expected at least one beam, got " + std::to_string(o.beams));
    if (!(o.temperature > 0.0) || !std::isfinite(o.temperature)) {
        throw Error({"", 0, "temperature"}, "temperature must be a positive number, got " + std::to_string(o.temperature));
    }
    if (!std::isfinite(o.lengthPenalty)) throw Error({"", 0, "length_penalty"}, "length penalty must be finite");
    if (!(o.guidance >= 0.0 && o.guidance <= 1.0)) {
        throw Error({"", 0, "guidance"}, "guidance scale γ must lie in [0, 1], got " + std::to_string(o.guidance));
    }
    if (o.promptsPerBatch < 1) {
        throw Error({"", 0, "prompts_per_batch"}, "expected at least one prompt per batch");
    }
}

// A running beam.
struct Beam {
    std::int64_t prompt = 0;          // index into the batch
    flow::NodeId node = flow::TitleTrie::kRoot;
    double sum = 0.0;                 // Σ step scores
    std::vector<double> scores;       // step scores so far
};

// One (beam, child) candidate of a prompt.
struct Candidate {
    double total;      // beam sum + step score
    double step;       // step score
    std::int64_t k;    // index into TrieCandidates
};

struct BatchContext {
    model::Qwen2ForCausalLMImpl& model;
    const flow::TitleTrie& trie;
    const BeamSearchOptions& options;
    std::int64_t vocab;
    std::int64_t roomTokens;
    BeamSearchStats& stats;
};

// Decodes one batch whose prompts already ran: `cache` holds one row per prompt, `hidden` [b, D]
// their last hidden states. guidance[i] is set when γ < 1.
std::vector<std::vector<Hypothesis>> decodeBatch(BatchContext& ctx, model::KvCache& cache, at::Tensor hidden,
                                                 const std::vector<std::optional<ItemGuidance>>& guidance) {
    const auto& o = ctx.options;
    const std::int64_t b = hidden.size(0);
    const std::int64_t B = o.beams;
    const auto device = hidden.device();
    std::vector<BeamHypotheses> hyps(static_cast<std::size_t>(b), BeamHypotheses(o.beams, o.lengthPenalty));
    std::vector<Beam> beams(static_cast<std::size_t>(b));
    for (std::int64_t p = 0; p < b; ++p) beams[static_cast<std::size_t>(p)].prompt = p;
    const flow::TokenId term = ctx.trie.terminationToken();
    const bool guided = o.guidance < 1.0;
    const std::int64_t promptLength = cache.length();  // positions every beam of a prompt shares

    for (std::int64_t step = 0; !beams.empty(); ++step) {
        const auto n = static_cast<std::int64_t>(beams.size());
        ++ctx.stats.steps;
        ctx.stats.headRows += n;
        // Log-softmax over the whole vocabulary: the head for every row, its log-sum-exp, then
        // only the allowed children's logits are read.
        // The [n, V] pass stays in the model's dtype; only the gathered candidates go to double.
        at::Tensor logits = ctx.model.logitsFrom(hidden).to(torch::kCPU);  // [n, V]
        if (o.temperature != 1.0) logits = logits / o.temperature;
        const at::Tensor lse = torch::logsumexp(logits, 1).to(torch::kDouble);  // [n]
        std::vector<flow::NodeId> nodes(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)] = beams[static_cast<std::size_t>(i)].node;
        const TrieCandidates cand = trieCandidates(ctx.trie, nodes, ctx.vocab);
        const at::Tensor stepScores =
            (logits.index({cand.rows, cand.tokens}).to(torch::kDouble) - lse.index_select(0, cand.rows)).contiguous();  // [K]
        std::vector<double> s(stepScores.data_ptr<double>(), stepScores.data_ptr<double>() + cand.size());
        const std::int64_t* candRows = cand.rows.data_ptr<std::int64_t>();
        const std::int64_t* candTokens = cand.tokens.data_ptr<std::int64_t>();
        if (guided) {
            for (std::int64_t i = 0; i < n; ++i) {
                const auto from = cand.offsets[static_cast<std::size_t>(i)];
                const auto to = cand.offsets[static_cast<std::size_t>(i + 1)];
                const auto& g = guidance[static_cast<std::size_t>(beams[static_cast<std::size_t>(i)].prompt)];
                const std::vector<double> logC = g->logGuidance(
                    std::span<const flow::NodeId>(cand.childNodes).subspan(static_cast<std::size_t>(from),
                                                                           static_cast<std::size_t>(to - from)));
                for (std::int64_t k = from; k < to; ++k) {
                    auto& v = s[static_cast<std::size_t>(k)];
                    v = o.guidance * v + (1.0 - o.guidance) * logC[static_cast<std::size_t>(k - from)];
                }
            }
        }

        // Per prompt (its beams are contiguous rows): rank the candidates, HF's BeamSearchScorer.
        std::vector<Beam> next;
        std::vector<std::int64_t> parents;
        std::vector<std::int64_t> tokens;
        const std::int64_t generated = step + 1;  // L of a hypothesis finished now
        const bool lastStep = o.maxTokens > 0 && generated >= o.maxTokens;
        for (std::int64_t i = 0; i < n;) {
            const std::int64_t prompt = beams[static_cast<std::size_t>(i)].prompt;
            std::int64_t j = i;
            while (j < n && beams[static_cast<std::size_t>(j)].prompt == prompt) ++j;
            std::vector<Candidate> c;
            for (std::int64_t k = cand.offsets[static_cast<std::size_t>(i)]; k < cand.offsets[static_cast<std::size_t>(j)]; ++k) {
                const std::int64_t row = candRows[k];
                c.push_back({beams[static_cast<std::size_t>(row)].sum + s[static_cast<std::size_t>(k)],
                             s[static_cast<std::size_t>(k)], k});
            }
            // HF's topk(2B) over [beams × V], best first; equal totals keep (beam, token) order.
            const auto top = static_cast<std::ptrdiff_t>(std::min<std::size_t>(c.size(), static_cast<std::size_t>(2 * B)));
            std::partial_sort(c.begin(), c.begin() + top, c.end(), [](const Candidate& x, const Candidate& y) {
                return x.total > y.total || (x.total == y.total && x.k < y.k);
            });
            c.resize(static_cast<std::size_t>(top));
            auto& h = hyps[static_cast<std::size_t>(prompt)];
            std::vector<Beam> kept;
            std::vector<std::int64_t> keptParents, keptTokens;
            for (std::size_t rank = 0; rank < c.size(); ++rank) {
                const auto k = static_cast<std::size_t>(c[rank].k);
                const std::int64_t row = candRows[k];
                const auto token = static_cast<flow::TokenId>(candTokens[k]);
                const Beam& parent = beams[static_cast<std::size_t>(row)];
                if (token == term) {
                    if (rank >= static_cast<std::size_t>(B)) continue;  // HF: ⊤ outside the top B is ignored
                    Hypothesis hyp;
                    hyp.title = ctx.trie.titlesBelow(cand.childNodes[k]).front();
                    hyp.sumScore = c[rank].total;
                    hyp.tokenScores = parent.scores;
                    hyp.tokenScores.push_back(c[rank].step);
                    h.add(std::move(hyp));
                } else {
                    Beam beam{prompt, cand.childNodes[k], c[rank].total, parent.scores};
                    beam.scores.push_back(c[rank].step);
                    kept.push_back(std::move(beam));
                    keptParents.push_back(row);
                    keptTokens.push_back(token);
                }
                if (static_cast<std::int64_t>(kept.size()) == B) break;
            }
            // HF: done once B hypotheses are held and none running can beat the worst at this length.
            const bool done = c.empty() || h.isDone(c.front().total, generated);
            if (!done && !lastStep) {
                for (std::size_t q = 0; q < kept.size(); ++q) {
                    next.push_back(std::move(kept[q]));
                    parents.push_back(keptParents[q]);
                    tokens.push_back(keptTokens[q]);
                }
            }
            i = j;
        }
        if (next.empty()) break;

        const auto m = static_cast<std::int64_t>(next.size());
        bool identity = m == n, samePrompts = m == n;
        for (std::int64_t q = 0; q < m && (identity || samePrompts); ++q) {
            identity = identity && parents[static_cast<std::size_t>(q)] == q;
            samePrompts = samePrompts && beams[static_cast<std::size_t>(q)].prompt == next[static_cast<std::size_t>(q)].prompt;
        }
        if (!identity) {
            const at::Tensor rows = torch::tensor(parents, torch::kLong).to(device);
            // Beams of one prompt share its prompt's keys/values: when every row keeps its
            // prompt, only the generated positions move.
            if (samePrompts) {
                cache.reorderFrom(rows, promptLength);
            } else {
                cache.reorder(rows);
            }
        }
        if (!cache.hasRoom(1)) cache.reserve(ctx.roomTokens);
        beams = std::move(next);
        const at::Tensor input = torch::tensor(tokens, torch::kLong).view({m, 1}).to(device);  // [m, 1]
        ctx.stats.decodeRows += m;
        ctx.stats.attentionKeys += cache.mask().sum().item<std::int64_t>() + m;
        hidden = ctx.model.hiddenStates(input, torch::ones({m, 1}, torch::TensorOptions().dtype(torch::kLong).device(device)),
                                        &cache)
                     .select(1, 0);  // [m, D]
    }
    std::vector<std::vector<Hypothesis>> out;
    out.reserve(hyps.size());
    for (const auto& h : hyps) out.push_back(h.best());
    return out;
}

// [rows, cols] left-padded int64 ids and mask from token lists (each from `from` on).
std::pair<at::Tensor, at::Tensor> leftPadded(std::span<const std::vector<text::TokenId>> prompts, std::size_t from,
                                             text::TokenId pad) {
    std::size_t longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, p.size() - from);
    const auto rows = static_cast<std::int64_t>(prompts.size());
    const auto cols = static_cast<std::int64_t>(longest);
    at::Tensor ids = torch::full({rows, cols}, static_cast<std::int64_t>(pad), torch::kLong);
    at::Tensor mask = torch::zeros({rows, cols}, torch::kLong);
    auto id = ids.accessor<std::int64_t, 2>();
    auto mk = mask.accessor<std::int64_t, 2>();
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto& p = prompts[static_cast<std::size_t>(r)];
        const auto len = static_cast<std::int64_t>(p.size() - from);
        for (std::int64_t t = 0; t < len; ++t) {
            id[r][cols - len + t] = p[from + static_cast<std::size_t>(t)];
            mk[r][cols - len + t] = 1;
        }
    }
    return {ids, mask};
}

}  // namespace

BeamSearchOptions decodingOptions(std::string_view name) {
    BeamSearchOptions o;
    if (name == "beam") return o;
    if (name == "temp") {
        o.temperature = 1.5;
        return o;
    }
    if (name == "d3") {
        o.lengthPenalty = 0.0;
        return o;
    }
    throw Error({"", 0, "decoding"}, "unknown decoding \"" + std::string(name) + "\" (known: beam, temp, d3)");
}

BeamSearchResult beamSearch(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                            std::span<const std::vector<text::TokenId>> prompts,
                            const BeamSearchOptions& options, const at::Tensor& itemScores) {
    checkOptions(options);
    const std::int64_t V = model.config().vocabSize;
    const auto P = static_cast<std::int64_t>(prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        if (prompts[i].empty()) throw Error({"", 0, "prompts"}, "prompt " + std::to_string(i) + " is empty");
        for (const auto t : prompts[i]) {
            if (t < 0 || t >= V) {
                throw Error({"", 0, "prompts"}, "token " + std::to_string(t) + " of prompt " + std::to_string(i) +
                                                    " is outside the model's vocabulary of " + std::to_string(V));
            }
        }
    }
    const bool guided = options.guidance < 1.0;
    at::Tensor scores;
    if (guided) {
        if (!itemScores.defined() || itemScores.dim() != 2 || itemScores.size(0) != P) {
            throw Error({"", 0, "item scores"}, "D3 guidance needs item scores of shape [" + std::to_string(P) +
                                                    ", items] (one row per prompt)");
        }
        scores = itemScores.to(torch::kCPU, torch::kFloat).contiguous();
    }
    // Every trie token must be a model id (the first step's candidates check it too, but only
    // for the root's children).
    for (flow::NodeId node = 0; static_cast<std::size_t>(node) < trie.nodeCount(); ++node) {
        const auto t = trie.incomingToken(node);
        if (node != flow::TitleTrie::kRoot && (t < 0 || t >= V)) {
            throw Error({"", 0, "trie"}, "token " + std::to_string(t) + " of the title trie is outside the model's vocabulary of " +
                                             std::to_string(V) + " tokens");
        }
    }

    BeamSearchResult result;
    result.titles.resize(static_cast<std::size_t>(P));
    if (P == 0) return result;
    torch::NoGradGuard noGrad;
    c10::InferenceMode inference;
    const auto device = model.device();
    const auto longDev = torch::TensorOptions().dtype(torch::kLong).device(device);

    // The common prefix of all prompts (each keeps at least its last token to run).
    std::size_t prefix = 0;
    if (options.sharePromptPrefix && P > 1) {
        prefix = prompts[0].size() - 1;
        for (const auto& p : prompts) {
            prefix = std::min(prefix, p.size() - 1);
            std::size_t i = 0;
            while (i < prefix && p[i] == prompts[0][i]) ++i;
            prefix = i;
        }
    }
    using Clock = std::chrono::steady_clock;
    const auto seconds = [](Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); };
    model::KvCache prefixCache(model.config().numHiddenLayers);
    const auto prefixStart = Clock::now();
    if (prefix > 0) {
        std::vector<std::int64_t> ids(prompts[0].begin(), prompts[0].begin() + static_cast<std::ptrdiff_t>(prefix));
        model.hiddenStates(torch::tensor(ids, torch::kLong).view({1, -1}).to(device),
                           torch::ones({1, static_cast<std::int64_t>(prefix)}, longDev), &prefixCache,
                           {static_cast<std::int64_t>(prefix) - 1, 1});
        result.stats.prefixTokens = static_cast<std::int64_t>(prefix);
        result.stats.promptAttentionPairs += static_cast<std::int64_t>(prefix * (prefix + 1) / 2);
    }
    result.stats.promptSeconds += seconds(prefixStart);
    std::int64_t depth = 0;
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        depth = std::max<std::int64_t>(depth, static_cast<std::int64_t>(trie.titleTokens(static_cast<flow::TitleIndex>(t)).size()));
    }
    BatchContext ctx{model, trie, options, V, depth + 1, result.stats};

    for (std::int64_t from = 0; from < P; from += options.promptsPerBatch) {
        const std::int64_t b = std::min<std::int64_t>(options.promptsPerBatch, P - from);
        const auto batch = prompts.subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(b));
        const auto promptStart = Clock::now();
        auto [ids, mask] = leftPadded(batch, prefix, trie.terminationToken());  // [b, S]
        model::KvCache cache(model.config().numHiddenLayers);
        if (prefix > 0) {
            cache = prefixCache;
            cache.reorder(torch::zeros({b}, longDev));  // the prefix's keys/values for every row
        }
        const std::int64_t S = ids.size(1);
        const at::Tensor hidden =
            model.hiddenStates(ids.to(device), mask.to(device), &cache, {S - 1, 1}).select(1, 0);  // [b, D]
        for (const auto& p : batch) {
            const auto len = static_cast<std::int64_t>(p.size() - prefix);
            result.stats.promptTokens += len;
            result.stats.promptAttentionPairs += len * static_cast<std::int64_t>(prefix) + len * (len + 1) / 2;
        }
        cache.reserve(depth + 1);
        result.stats.promptSeconds += seconds(promptStart);
        const auto decodeStart = Clock::now();
        std::vector<std::optional<ItemGuidance>> guidance(static_cast<std::size_t>(b));
        if (guided) {
            const std::int64_t items = scores.size(1);
            for (std::int64_t i = 0; i < b; ++i) {
                const float* row = scores.data_ptr<float>() + (from + i) * items;
                guidance[static_cast<std::size_t>(i)].emplace(trie, std::span<const float>(row, static_cast<std::size_t>(items)));
            }
        }
        auto titles = decodeBatch(ctx, cache, hidden, guidance);
        result.stats.decodeSeconds += seconds(decodeStart);
        for (std::int64_t i = 0; i < b; ++i) result.titles[static_cast<std::size_t>(from + i)] = std::move(titles[static_cast<std::size_t>(i)]);
        if (options.progress) options.progress(from + b);
    }
    return result;
}

}  // namespace flower::decode
