#include "core/decode/beam_search.h"

#include "core/decode/item_guidance.h"
#include "core/decode/trie_candidates.h"
#include "core/model/cpu_kernels.h"
#include "core/model/grouped_decoder.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/util/error.h"

#include <ATen/Parallel.h>
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

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

// A running beam.
struct Beam {
    std::int64_t prompt = 0;          // index into the batch
    flow::NodeId node = flow::TitleTrie::kRoot;
    double sum = 0.0;                 // Σ step scores
    std::vector<double> scores;       // step scores so far
    std::int32_t kv = -1;             // grouped path: the GroupedDecoder node of its last token
};

// One (beam, child) candidate of a prompt.
struct Candidate {
    double total;      // beam sum + step score
    double step;       // step score
    std::int64_t k;    // index into TrieCandidates
};

// D3's guidance on the step scores s [K]: s = γ·s + (1 − γ)·log c over each row's allowed
// children (guidanceOf(row): that row's prompt's ItemGuidance).
void applyGuidance(std::vector<double>& s, const TrieCandidates& cand, double gamma,
                   const std::function<const ItemGuidance&(std::int64_t)>& guidanceOf) {
    for (std::int64_t i = 0; i < cand.rowCount(); ++i) {
        const auto from = cand.offsets[static_cast<std::size_t>(i)];
        const auto to = cand.offsets[static_cast<std::size_t>(i + 1)];
        const std::vector<double> logC = guidanceOf(i).logGuidance(
            std::span<const flow::NodeId>(cand.childNodes).subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from)));
        for (std::int64_t k = from; k < to; ++k) {
            auto& v = s[static_cast<std::size_t>(k)];
            v = gamma * v + (1.0 - gamma) * logC[static_cast<std::size_t>(k - from)];
        }
    }
}

// One prompt's step, HF's BeamSearchScorer.process + is_done: the candidates of its rows
// [i, j) (beams of one prompt are contiguous rows) are ranked, ⊤ among the first B adds a
// hypothesis to h, other tokens continue beams until B run; those are appended to next /
// parents (their rows) / tokens unless the prompt is done. Returns whether it is done (then
// nothing was appended).
bool rankPrompt(const flow::TitleTrie& trie, std::int64_t B, std::int64_t generated, bool lastStep,
                const std::vector<Beam>& beams, const TrieCandidates& cand, const std::vector<double>& s,
                std::int64_t i, std::int64_t j, BeamHypotheses& h, std::vector<Beam>& next,
                std::vector<std::int64_t>& parents, std::vector<std::int64_t>& tokens) {
    const std::int64_t* candRows = cand.rows.data_ptr<std::int64_t>();
    const std::int64_t* candTokens = cand.tokens.data_ptr<std::int64_t>();
    const flow::TokenId term = trie.terminationToken();
    const std::int64_t prompt = beams[static_cast<std::size_t>(i)].prompt;
    std::vector<Candidate> c;
    c.reserve(static_cast<std::size_t>(cand.offsets[static_cast<std::size_t>(j)] - cand.offsets[static_cast<std::size_t>(i)]));
    for (std::int64_t k = cand.offsets[static_cast<std::size_t>(i)]; k < cand.offsets[static_cast<std::size_t>(j)]; ++k) {
        const std::int64_t row = candRows[k];
        c.push_back({beams[static_cast<std::size_t>(row)].sum + s[static_cast<std::size_t>(k)], s[static_cast<std::size_t>(k)], k});
    }
    // HF's topk(2B) over [beams × V], best first; equal totals keep (beam, token) order.
    const auto top = static_cast<std::ptrdiff_t>(std::min<std::size_t>(c.size(), static_cast<std::size_t>(2 * B)));
    std::partial_sort(c.begin(), c.begin() + top, c.end(), [](const Candidate& x, const Candidate& y) {
        return x.total > y.total || (x.total == y.total && x.k < y.k);
    });
    c.resize(static_cast<std::size_t>(top));
    const std::size_t first = next.size();
    std::int64_t kept = 0;
    for (std::size_t rank = 0; rank < c.size(); ++rank) {
        const auto k = static_cast<std::size_t>(c[rank].k);
        const std::int64_t row = candRows[k];
        const auto token = static_cast<flow::TokenId>(candTokens[k]);
        const Beam& parent = beams[static_cast<std::size_t>(row)];
        if (token == term) {
            if (rank >= static_cast<std::size_t>(B)) continue;  // HF: ⊤ outside the top B is ignored
            Hypothesis hyp;
            hyp.title = trie.titlesBelow(cand.childNodes[k]).front();
            hyp.sumScore = c[rank].total;
            hyp.tokenScores = parent.scores;
            hyp.tokenScores.push_back(c[rank].step);
            h.add(std::move(hyp));
        } else {
            Beam beam{prompt, cand.childNodes[k], c[rank].total, parent.scores, parent.kv};
            beam.scores.push_back(c[rank].step);
            next.push_back(std::move(beam));
            parents.push_back(row);
            tokens.push_back(token);
            ++kept;
        }
        if (kept == B) break;
    }
    // HF: done once B hypotheses are held and none running can beat the worst at this length.
    // Also done when no beam runs on (every candidate a ⊤, fewer titles than B reachable).
    const bool done = c.empty() || h.isDone(c.front().total, generated) || lastStep || kept == 0;
    if (done) {
        next.resize(first);
        parents.resize(first);
        tokens.resize(first);
    }
    return done;
}

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
    const bool guided = o.guidance < 1.0;
    const std::int64_t promptLength = cache.length();  // positions every beam of a prompt shares

    for (std::int64_t step = 0; !beams.empty(); ++step) {
        const auto n = static_cast<std::int64_t>(beams.size());
        ++ctx.stats.steps;
        ctx.stats.headRows += n;
        // Log-softmax over the whole vocabulary: the head for every row, its log-sum-exp, then
        // only the allowed children's logits are read.
        // The [n, V] pass stays in the model's dtype; only the gathered candidates go to double.
        auto t0 = Clock::now();
        at::Tensor logits = ctx.model.logitsFrom(hidden).to(torch::kCPU);  // [n, V]
        if (o.temperature != 1.0) logits = logits / o.temperature;
        const at::Tensor lse = torch::logsumexp(logits, 1).to(torch::kDouble);  // [n]
        ctx.stats.headSeconds += secondsSince(t0);
        t0 = Clock::now();
        std::vector<flow::NodeId> nodes(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)] = beams[static_cast<std::size_t>(i)].node;
        const TrieCandidates cand = trieCandidates(ctx.trie, nodes, ctx.vocab);
        const at::Tensor stepScores =
            (logits.index({cand.rows, cand.tokens}).to(torch::kDouble) - lse.index_select(0, cand.rows)).contiguous();  // [K]
        std::vector<double> s(stepScores.data_ptr<double>(), stepScores.data_ptr<double>() + cand.size());
        if (guided) {
            applyGuidance(s, cand, o.guidance, [&](std::int64_t row) -> const ItemGuidance& {
                return *guidance[static_cast<std::size_t>(beams[static_cast<std::size_t>(row)].prompt)];
            });
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
            rankPrompt(ctx.trie, B, generated, lastStep, beams, cand, s, i, j, hyps[static_cast<std::size_t>(prompt)], next,
                       parents, tokens);
            i = j;
        }
        ctx.stats.rankSeconds += secondsSince(t0);
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


// The prompt passes: prompts [from, from + b) through the model after the shared prefix (its
// keys/values copied into every row), left-padded; their last hidden states [b, D] and the cache.
struct PromptRunner {
    model::Qwen2ForCausalLMImpl& model;
    std::span<const std::vector<text::TokenId>> prompts;
    std::size_t prefix;
    const model::KvCache& prefixCache;
    text::TokenId pad;
    BeamSearchStats& stats;

    std::pair<model::KvCache, at::Tensor> run(std::int64_t from, std::int64_t b) const {
        const auto start = Clock::now();
        const auto device = model.device();
        const auto batch = prompts.subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(b));
        auto [ids, mask] = leftPadded(batch, prefix, pad);  // [b, S]
        model::KvCache cache(model.config().numHiddenLayers);
        if (prefix > 0) {
            cache = prefixCache;
            cache.reorder(torch::zeros({b}, torch::TensorOptions().dtype(torch::kLong).device(device)));  // the prefix for every row
        }
        const std::int64_t S = ids.size(1);
        at::Tensor hidden = model.hiddenStates(ids.to(device), mask.to(device), &cache, {S - 1, 1}).select(1, 0);  // [b, D]
        for (const auto& p : batch) {
            const auto len = static_cast<std::int64_t>(p.size() - prefix);
            stats.promptTokens += len;
            stats.promptAttentionPairs += len * static_cast<std::int64_t>(prefix) + len * (len + 1) / 2;
        }
        stats.promptSeconds += secondsSince(start);
        return {std::move(cache), hidden};
    }
};

// One decoding slot of the grouped path: the prompt it holds (−1: free) and its search state.
struct Slot {
    std::int64_t prompt = -1;
    std::int64_t generated = 0;  // tokens generated so far (steps ranked)
    BeamHypotheses hyps;
    std::optional<ItemGuidance> guidance;
};

// The grouped path's prompt passes run this many prompts at a time (larger padded batches were
// slower); free slots are refilled once this many (at most a quarter of the slots) are free, or
// when nothing else would run.
constexpr std::int64_t kPromptPassPrompts = 16;

// The grouped path (model::GroupedDecoder): `promptsPerBatch` slots decode at once; a slot whose
// prompt is done takes the next prompt (continuous batching), so steps keep ~slots × B rows
// until the last prompts. Same ranking as decodeBatch, so the same titles and scores up to the
// model's rounding.
void decodeGrouped(BatchContext& ctx, const PromptRunner& runner, const at::Tensor& itemScores,
                   BeamSearchResult& result) {
    const auto& o = ctx.options;
    const std::int64_t B = o.beams;
    const auto P = static_cast<std::int64_t>(runner.prompts.size());
    const std::int64_t slots = std::min<std::int64_t>(o.promptsPerBatch, P);
    const std::int64_t depth = std::max<std::int64_t>(1, ctx.roomTokens - 1);  // most title tokens fed to the layers
    std::int64_t longest = 0;
    for (const auto& p : runner.prompts) longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(p.size()));
    // Room for 4 steps of B new tokens per slot to start with; it doubles when a prompt needs more.
    model::GroupedDecoder decoder(ctx.model, slots, longest, 4 * B, depth);
    const bool guided = o.guidance < 1.0;
    const std::int64_t V = ctx.vocab;
    auto& stats = ctx.stats;

    std::vector<Slot> slot(static_cast<std::size_t>(slots), Slot{-1, 0, BeamHypotheses(o.beams, o.lengthPenalty), {}});
    std::vector<std::int64_t> freeSlots;
    for (std::int64_t s = slots - 1; s >= 0; --s) freeSlots.push_back(s);
    std::int64_t admitted = 0, finished = 0;
    // Prompts [admitted, admitted + count) into free slots: their rows (one each, at the root)
    // and last hidden states.
    const auto admit = [&](std::int64_t count) -> std::pair<std::vector<Beam>, at::Tensor> {
        std::vector<Beam> rows;
        std::vector<at::Tensor> states;
        for (std::int64_t chunk = 0; chunk < count; chunk += kPromptPassPrompts) {
            const std::int64_t b = std::min(kPromptPassPrompts, count - chunk);
            auto [cache, hidden] = runner.run(admitted, b);
            const auto start = Clock::now();
            states.push_back(hidden);
            for (std::int64_t i = 0; i < b; ++i) {
                const std::int64_t s = freeSlots.back();
                freeSlots.pop_back();
                decoder.setPrompt(s, cache, i);
                Slot& st = slot[static_cast<std::size_t>(s)];
                st = Slot{admitted + i, 0, BeamHypotheses(o.beams, o.lengthPenalty), {}};
                if (guided) {
                    const std::int64_t items = itemScores.size(1);
                    const float* row = itemScores.data_ptr<float>() + (admitted + i) * items;
                    st.guidance.emplace(ctx.trie, std::span<const float>(row, static_cast<std::size_t>(items)));
                }
                Beam beam;
                beam.prompt = s;
                rows.push_back(std::move(beam));
            }
            admitted += b;
            stats.promptSeconds += secondsSince(start);
        }
        return {std::move(rows), states.size() == 1 ? states.front() : torch::cat(states, 0)};
    };

    const auto loopStart = Clock::now();
    const double promptBefore = stats.promptSeconds;
    auto [beams, hidden] = admit(slots);
    while (!beams.empty()) {
        const auto n = static_cast<std::int64_t>(beams.size());
        ++stats.steps;
        stats.headRows += n;
        // The head for every row and its log-sum-exp over the whole vocabulary (beam_search.h);
        // only the allowed children's logits are read from the [n, V] product.
        auto t0 = Clock::now();
        at::Tensor logits = ctx.model.logitsFrom(hidden).contiguous();  // [n, V]
        if (o.temperature != 1.0) logits.div_(o.temperature);
        std::vector<double> lse(static_cast<std::size_t>(n));
        const bool isFloat = logits.scalar_type() == at::kFloat;
        const float* lf = isFloat ? logits.data_ptr<float>() : nullptr;
        const double* ld = isFloat ? nullptr : logits.data_ptr<double>();
        at::parallel_for(0, n, 8, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r) {
                lse[static_cast<std::size_t>(r)] = isFloat ? static_cast<double>(model::kernels::logSumExp(lf + r * V, V))
                                                           : model::kernels::logSumExp(ld + r * V, V);
            }
        });
        stats.headSeconds += secondsSince(t0);

        t0 = Clock::now();
        std::vector<flow::NodeId> nodes(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)] = beams[static_cast<std::size_t>(i)].node;
        const TrieCandidates cand = trieCandidates(ctx.trie, nodes, V);
        const std::int64_t* candRows = cand.rows.data_ptr<std::int64_t>();
        const std::int64_t* candTokens = cand.tokens.data_ptr<std::int64_t>();
        std::vector<double> s(static_cast<std::size_t>(cand.size()));
        for (std::int64_t k = 0; k < cand.size(); ++k) {
            const std::int64_t at = candRows[k] * V + candTokens[k];
            s[static_cast<std::size_t>(k)] =
                (isFloat ? static_cast<double>(lf[at]) : ld[at]) - lse[static_cast<std::size_t>(candRows[k])];
        }
        if (guided) {
            applyGuidance(s, cand, o.guidance, [&](std::int64_t row) -> const ItemGuidance& {
                return *slot[static_cast<std::size_t>(beams[static_cast<std::size_t>(row)].prompt)].guidance;
            });
        }
        std::vector<Beam> next;
        std::vector<std::int64_t> parents, tokens;
        for (std::int64_t i = 0; i < n;) {
            const std::int64_t sl = beams[static_cast<std::size_t>(i)].prompt;
            std::int64_t j = i;
            while (j < n && beams[static_cast<std::size_t>(j)].prompt == sl) ++j;
            Slot& st = slot[static_cast<std::size_t>(sl)];
            const std::int64_t generated = ++st.generated;  // L of a hypothesis finished now
            const bool lastStep = o.maxTokens > 0 && generated >= o.maxTokens;
            if (rankPrompt(ctx.trie, B, generated, lastStep, beams, cand, s, i, j, st.hyps, next, parents, tokens)) {
                result.titles[static_cast<std::size_t>(st.prompt)] = st.hyps.best();
                st.prompt = -1;
                freeSlots.push_back(sl);
                ++finished;
                if (o.progress && (finished % o.promptsPerBatch == 0 || finished == P)) o.progress(finished);
            }
            i = j;
        }
        stats.rankSeconds += secondsSince(t0);

        // Free slots take the next prompts once enough are free (or nothing else would run).
        std::vector<Beam> fresh;
        at::Tensor freshHidden;
        const std::int64_t waiting = P - admitted;
        const auto freeCount = static_cast<std::int64_t>(freeSlots.size());
        if (waiting > 0 && (freeCount >= std::min(kPromptPassPrompts, std::max<std::int64_t>(1, slots / 4)) || next.empty())) {
            std::tie(fresh, freshHidden) = admit(std::min(waiting, freeCount));
        }

        at::Tensor stepped;
        if (!next.empty()) {
            const auto m = static_cast<std::int64_t>(next.size());
            std::vector<std::int64_t> groups(static_cast<std::size_t>(m));
            std::vector<std::int32_t> from(static_cast<std::size_t>(m)), kv;
            for (std::int64_t q = 0; q < m; ++q) {
                groups[static_cast<std::size_t>(q)] = next[static_cast<std::size_t>(q)].prompt;
                from[static_cast<std::size_t>(q)] = beams[static_cast<std::size_t>(parents[static_cast<std::size_t>(q)])].kv;
            }
            stepped = decoder.step(groups, tokens, from, kv);  // [m, D]
            for (std::int64_t q = 0; q < m; ++q) next[static_cast<std::size_t>(q)].kv = kv[static_cast<std::size_t>(q)];
            stats.decodeRows += m;
            stats.attentionKeys += decoder.lastStepKeys();
        }
        for (auto& b : fresh) next.push_back(std::move(b));
        beams = std::move(next);
        hidden = stepped.defined() && freshHidden.defined() ? torch::cat({stepped, freshHidden}, 0)
                 : stepped.defined()                        ? stepped
                                                            : freshHidden;
    }
    const auto& timing = decoder.timing();
    stats.layerSeconds += timing.total;
    stats.layerGemmSeconds += timing.gemm;
    stats.attentionSeconds += timing.attention;
    stats.decodeSeconds += secondsSince(loopStart) - (stats.promptSeconds - promptBefore);
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
    result.stats.promptSeconds += secondsSince(prefixStart);
    std::int64_t depth = 0;
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        depth = std::max<std::int64_t>(depth, static_cast<std::int64_t>(trie.titleTokens(static_cast<flow::TitleIndex>(t)).size()));
    }
    BatchContext ctx{model, trie, options, V, depth + 1, result.stats};
    const PromptRunner runner{model, prompts, prefix, prefixCache, trie.terminationToken(), result.stats};
    if (options.groupedDecoding && model::GroupedDecoder::applies(model)) {
        decodeGrouped(ctx, runner, scores, result);
        return result;
    }

    for (std::int64_t from = 0; from < P; from += options.promptsPerBatch) {
        const std::int64_t b = std::min<std::int64_t>(options.promptsPerBatch, P - from);
        auto [cache, hidden] = runner.run(from, b);
        const auto decodeStart = Clock::now();
        cache.reserve(depth + 1);
        std::vector<std::optional<ItemGuidance>> guidance(static_cast<std::size_t>(b));
        if (guided) {
            const std::int64_t items = scores.size(1);
            for (std::int64_t i = 0; i < b; ++i) {
                const float* row = scores.data_ptr<float>() + (from + i) * items;
                guidance[static_cast<std::size_t>(i)].emplace(trie, std::span<const float>(row, static_cast<std::size_t>(items)));
            }
        }
        auto titles = decodeBatch(ctx, cache, hidden, guidance);
        result.stats.decodeSeconds += secondsSince(decodeStart);
        for (std::int64_t i = 0; i < b; ++i) result.titles[static_cast<std::size_t>(from + i)] = std::move(titles[static_cast<std::size_t>(i)]);
        if (options.progress) options.progress(from + b);
    }
    return result;
}

}  // namespace flower::decode
