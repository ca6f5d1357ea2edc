#include "core/train/policy_probe.h"

#include "core/data/dataset.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/resource_locator.h"
#include "core/store/run_store.h"
#include "core/text/category_words.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/run_assembly.h"
#include "core/train/training_checkpoint.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace flower::train {

namespace fs = std::filesystem;

std::string ProbePrompt::describe() const {
    switch (kind) {
        case Kind::DatasetRow: return std::string(toString(split)) + " row " + std::to_string(row);
        case Kind::HistoryFree: return "the history-free prompt";
        case Kind::FreeText: return "free text (" + std::to_string(text.size()) + " bytes)";
    }
    return {};
}

struct PolicyProbe::Impl {
    // One state along the last path asked for: its prefix (model ids), the cache of prompt +
    // prefix, and the log-softmax [V] (double) of the next token there.
    struct Entry {
        std::vector<text::TokenId> prefix;
        model::KvCache cache{0};
        at::Tensor logProbs;
    };

    fs::path dir;
    run::ExperimentConfig config;
    std::unique_ptr<text::Tokenizer> tokenizer;  // not movable-assignable: held by pointer
    std::optional<text::VocabularyMap> vocabulary;
    std::string vocabularyFile;  // for messages: vocabulary_map.json or config.json
    model::Qwen2ForCausalLM model{nullptr};
    std::int64_t V = 0;
    text::TokenId termination = 0;  // tokenizer id
    mutable std::optional<data::Dataset> dataset;

    ProbePrompt prompt;
    std::vector<text::TokenId> promptIds;  // model ids
    std::vector<Entry> path;               // path[0]: the prompt (empty prefix)
    std::int64_t forwards = 0;

    const data::Dataset& loadedDataset() const {
        if (!dataset) dataset = loadConfiguredDataset(config);
        return *dataset;
    }

    // A tokenizer id in the model's ids; `what` says where it came from for the message.
    text::TokenId toModel(text::TokenId id, const std::string& what) const {
        text::TokenId m = id;
        if (vocabulary) {
            const auto c = vocabulary->tryCompact(id);
            if (!c) {
                throw Error({vocabularyFile, 0, "vocabulary"},
                            what + " needs token " + std::to_string(id) + " (\"" + tokenizer->decode({&id, 1}) +
                                "\"), which this checkpoint's vocabulary lacks (a preset model knows only the "
                                "tokens of its own run's prompts and titles)");
            }
            m = *c;
        }
        if (m < 0 || m >= V) {
            throw Error({vocabularyFile, 0, "vocab_size"},
                        what + " needs token " + std::to_string(id) + ", outside the model's " + std::to_string(V) +
                            " output ids");
        }
        return m;
    }
    std::vector<text::TokenId> toModel(std::span<const text::TokenId> ids, const std::string& what) const {
        std::vector<text::TokenId> out;
        out.reserve(ids.size());
        for (const auto id : ids) out.push_back(toModel(id, what));
        return out;
    }

    // Feeds `tokens` (model ids) after `cache`, which grows. → log-softmax [T, V] in double at
    // every new position, or [1, V] at the last one.
    at::Tensor extend(model::KvCache& cache, std::span<const text::TokenId> tokens, bool everyPosition) {
        const auto T = static_cast<std::int64_t>(tokens.size());
        std::vector<std::int64_t> ids(tokens.begin(), tokens.end());
        const auto device = model->device();
        const at::Tensor input = torch::tensor(ids, torch::kLong).view({1, T}).to(device);
        model::OutputColumns columns;
        if (!everyPosition) columns = {T - 1, 1};
        const at::Tensor hidden = model->hiddenStates(input, torch::ones({1, T}, input.options()), &cache, columns);
        ++forwards;
        return torch::log_softmax(model->logitsFrom(hidden)[0].to(torch::kCPU, torch::kDouble), -1);
    }

    // The entry of `prefix`: entries off its path are dropped, the longest cached ancestor is
    // extended by the remaining tokens in one forward.
    Entry& at(const std::vector<text::TokenId>& prefix) {
        const auto isPrefixOf = [&prefix](const std::vector<text::TokenId>& p) {
            return p.size() <= prefix.size() && std::equal(p.begin(), p.end(), prefix.begin());
        };
        while (path.size() > 1 && !isPrefixOf(path.back().prefix)) path.pop_back();
        if (path.back().prefix.size() == prefix.size()) return path.back();
        Entry next;
        next.prefix = prefix;
        next.cache = path.back().cache;  // shares the tensors; appends concatenate, never write
        const auto rest = std::span<const text::TokenId>(prefix).subspan(path.back().prefix.size());
        next.logProbs = extend(next.cache, rest, false)[0];
        path.push_back(std::move(next));
        return path.back();
    }

    // log Σ exp over the trie children of `node` (model ids) of one position's log-softmax.
    double childLogMass(const flow::TitleTrie& trie, flow::NodeId node, const double* logProbs) const {
        const auto children = trie.childTokens(node);
        double top = -std::numeric_limits<double>::infinity();
        std::vector<double> v;
        v.reserve(children.size());
        for (const auto c : children) {
            v.push_back(logProbs[toModel(c, "a child of the trie")]);
            top = std::max(top, v.back());
        }
        if (!std::isfinite(top)) return top;
        double sum = 0.0;
        for (const double x : v) sum += std::exp(x - top);
        return top + std::log(sum);
    }
};

PolicyProbe::PolicyProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PolicyProbe::PolicyProbe(PolicyProbe&&) noexcept = default;
PolicyProbe& PolicyProbe::operator=(PolicyProbe&&) noexcept = default;
PolicyProbe::~PolicyProbe() = default;

PolicyProbe PolicyProbe::open(const fs::path& dir) {
    auto p = std::make_unique<Impl>();
    p->dir = dir;
    if (!fs::exists(dir / "config.json")) {
        throw Error({dir.string(), 0, "config.json"}, "not a model checkpoint (no config.json in it)");
    }
    if (!fs::exists(dir / "experiment.json")) {
        throw Error({(dir / "experiment.json").string(), 0, "experiment.json"},
                    "the checkpoint has no experiment.json (the run's config), so its prompts and "
                    "dataset are unknown");
    }
    p->config = run::ExperimentConfig::load(dir / "experiment.json");
    const fs::path tokenizerPath =
        p->config.tokenizer.empty() ? util::defaultTokenizerPath() : fs::path(p->config.tokenizer);
    p->tokenizer = std::make_unique<text::Tokenizer>(text::Tokenizer::fromFile(tokenizerPath));
    const auto newline = p->tokenizer->encode("\n");
    if (newline.size() != 1) {
        throw Error({tokenizerPath.string(), 0, "\\n"}, "the tokenizer must encode \"\\n\" as one token");
    }
    p->termination = newline.front();
    if (fs::exists(dir / "vocabulary_map.json")) {
        p->vocabulary = text::VocabularyMap::load(dir / "vocabulary_map.json");
        p->vocabularyFile = (dir / "vocabulary_map.json").string();
    } else {
        p->vocabularyFile = (dir / "config.json").string();
        if (run::isModelPreset(p->config.model)) {
            throw Error({(dir / "vocabulary_map.json").string(), 0, "vocabulary_map.json"},
                        "a " + p->config.model + " preset checkpoint needs its compact vocabulary "
                        "(vocabulary_map.json), which is missing");
        }
    }
    p->model = model::loadQwen2(dir);
    p->model->eval();
    p->V = p->model->config().vocabSize;
    // The run's own kind of prompt first: a preset's compact vocabulary may lack the others.
    const bool historyFree = p->config.promptTemplate == "history_free";
    PolicyProbe probe(std::move(p));
    probe.setPrompt(historyFree ? ProbePrompt::historyFree() : ProbePrompt::datasetRow(Split::Test, 0));
    return probe;
}

const fs::path& PolicyProbe::checkpoint() const { return impl_->dir; }
const run::ExperimentConfig& PolicyProbe::config() const { return impl_->config; }
std::int64_t PolicyProbe::vocabularySize() const { return impl_->V; }
std::int64_t PolicyProbe::forwardCount() const { return impl_->forwards; }
const ProbePrompt& PolicyProbe::prompt() const { return impl_->prompt; }
std::span<const text::TokenId> PolicyProbe::promptIds() const { return impl_->promptIds; }

void PolicyProbe::checkCovers(const flow::TitleTrie& trie) const {
    impl_->toModel(trie.terminationToken(), "the termination token");
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        const auto title = static_cast<flow::TitleIndex>(t);
        impl_->toModel(trie.titleTokens(title), "title \"" + trie.title(title) + "\"");
    }
}

std::int64_t PolicyProbe::rows(Split split) const {
    const auto& d = impl_->loadedDataset();
    const auto& s = split == Split::Train ? d.train : split == Split::Valid ? d.valid : d.test;
    return static_cast<std::int64_t>(s.size());
}

void PolicyProbe::setPrompt(const ProbePrompt& prompt) {
    Impl& p = *impl_;
    const auto& c = p.config;
    std::vector<text::TokenId> ids;
    std::string what = "the prompt (" + prompt.describe() + ")";
    switch (prompt.kind) {
        case ProbePrompt::Kind::DatasetRow: {
            if (c.promptTemplate == "history_free") {
                throw Error({(p.dir / "experiment.json").string(), 0, "prompt_template"},
                            "this run is history_free: it was trained on one prompt without histories, "
                            "so it has no dataset rows to pick (use the history-free prompt)");
            }
            const auto& d = p.loadedDataset();
            const auto& split = prompt.split == Split::Train ? d.train : prompt.split == Split::Valid ? d.valid : d.test;
            if (prompt.row < 0 || prompt.row >= static_cast<std::int64_t>(split.size())) {
                throw Error({c.dataset, 0, std::string(toString(prompt.split)) + " row"},
                            "row " + std::to_string(prompt.row) + " is outside the " + toString(prompt.split) +
                                " split of " + std::to_string(split.size()) + " rows (0 … " +
                                std::to_string(static_cast<std::int64_t>(split.size()) - 1) + ")");
            }
            // As BigRecData: the instruction and the input are tokenized apart and concatenated.
            const auto layout = text::PromptTemplate::fromName(c.promptTemplate, promptWordsOf(c));
            const auto& row = split.rows()[static_cast<std::size_t>(prompt.row)];
            std::vector<std::string> history;
            for (const auto id : row.history) history.push_back(d.catalog.title(id));
            ids = p.tokenizer->encode(layout.instructionPart());
            p.tokenizer->encodeInto(layout.inputPart(history), ids);
            break;
        }
        case ProbePrompt::Kind::HistoryFree: {
            // As HistoryFreeData: the whole prompt tokenized as one text.
            const auto layout = text::PromptTemplate::fromName("history_free", promptWordsOf(c));
            ids = p.tokenizer->encode(layout.render({}));
            break;
        }
        case ProbePrompt::Kind::FreeText:
            if (prompt.text.empty()) throw Error({"", 0, "prompt"}, "the free-text prompt is empty");
            ids = p.tokenizer->encode(prompt.text);
            break;
    }
    auto modelIds = p.toModel(ids, what);
    // Built first, swapped in last: a failure leaves the previous prompt in place.
    Impl::Entry root;
    root.cache = model::KvCache(p.model->config().numHiddenLayers);
    {
        torch::NoGradGuard noGrad;
        root.logProbs = p.extend(root.cache, modelIds, false)[0];
    }
    p.prompt = prompt;
    p.promptIds = std::move(modelIds);
    p.path.clear();
    p.path.push_back(std::move(root));
}

std::string PolicyProbe::promptText() const {
    const Impl& p = *impl_;
    return p.tokenizer->decode(p.vocabulary ? p.vocabulary->toTokenizer(p.promptIds) : p.promptIds);
}

std::vector<ChildProbability> PolicyProbe::children(const flow::TitleTrie& trie, flow::NodeId node,
                                                    std::span<const std::vector<text::TokenId>> chunks) {
    Impl& p = *impl_;
    torch::NoGradGuard noGrad;
    const auto prefix = p.toModel(trie.prefix(node), "the state's prefix");
    Impl::Entry& here = p.at(prefix);
    const double* lp = here.logProbs.data_ptr<double>();
    const double rootMass = p.childLogMass(trie, node, lp);
    std::vector<ChildProbability> out(chunks.size());
    // Chunks longer than one token (granularity n > 1) continue in one batched forward.
    std::vector<std::size_t> longer;
    std::int64_t K = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (chunks[i].empty()) throw Error({"", 0, "chunks"}, "an empty chunk");
        const auto c = p.toModel(chunks[i][0], "a child of the state");
        out[i].vocabulary = lp[c];
        out[i].constrained = lp[c] - rootMass;
        if (chunks[i].size() > 1) {
            longer.push_back(i);
            K = std::max<std::int64_t>(K, static_cast<std::int64_t>(chunks[i].size()) - 1);
        }
    }
    if (!longer.empty()) {
        const auto R = static_cast<std::int64_t>(longer.size());
        const text::TokenId pad = p.toModel(p.termination, "the termination token");
        at::Tensor ids = torch::full({R, K}, pad, torch::kLong);
        auto acc = ids.accessor<std::int64_t, 2>();
        for (std::int64_t r = 0; r < R; ++r) {
            const auto& chunk = chunks[longer[static_cast<std::size_t>(r)]];
            for (std::size_t j = 0; j + 1 < chunk.size(); ++j) {
                acc[r][static_cast<std::int64_t>(j)] = p.toModel(chunk[j], "a child of the state");
            }
        }
        model::KvCache cache = here.cache;
        cache.reorder(torch::zeros({R}, torch::kLong));
        // Right padding: a real position never attends to the padding after it.
        const auto device = p.model->device();
        const at::Tensor input = ids.to(device);
        const at::Tensor hidden = p.model->hiddenStates(input, torch::ones({R, K}, input.options()), &cache);
        ++p.forwards;
        const at::Tensor logProbs =
            torch::log_softmax(p.model->logitsFrom(hidden).to(torch::kCPU, torch::kDouble), -1).contiguous();  // [R, K, V]
        for (std::int64_t r = 0; r < R; ++r) {
            const std::size_t i = longer[static_cast<std::size_t>(r)];
            const auto& chunk = chunks[i];
            flow::NodeId n = trie.child(node, chunk[0]);
            for (std::size_t j = 1; j < chunk.size(); ++j) {
                if (n == flow::TitleTrie::kNoNode) throw Error({"", 0, "chunks"}, "a chunk leaves the prefix tree");
                const double* row = logProbs[r][static_cast<std::int64_t>(j - 1)].data_ptr<double>();
                const auto c = p.toModel(chunk[j], "a child of the state");
                out[i].vocabulary += row[c];
                out[i].constrained += row[c] - p.childLogMass(trie, n, row);
                n = trie.child(n, chunk[j]);
            }
        }
    }
    for (auto& c : out) {
        c.vocabulary = std::exp(c.vocabulary);
        c.constrained = std::exp(c.constrained);
    }
    return out;
}

TitleProbability PolicyProbe::title(const flow::TitleTrie& trie, flow::TitleIndex title) {
    Impl& p = *impl_;
    if (title < 0 || static_cast<std::size_t>(title) >= trie.titleCount()) {
        throw Error({"", 0, "title"}, "title " + std::to_string(title) + " is outside the tree's " +
                                          std::to_string(trie.titleCount()) + " titles");
    }
    torch::NoGradGuard noGrad;
    const auto tokens = trie.titleTokens(title);
    std::vector<text::TokenId> all(tokens.begin(), tokens.end());
    all.push_back(trie.terminationToken());
    const auto ids = p.toModel(all, "title \"" + trie.title(title) + "\"");
    // One forward of the title's tokens after the prompt: position i predicts token i + 1.
    at::Tensor later;
    if (ids.size() > 1) {
        model::KvCache cache = p.path.front().cache;
        later = p.extend(cache, std::span<const text::TokenId>(ids).first(ids.size() - 1), true).contiguous();
    }
    TitleProbability out;
    flow::NodeId node = flow::TitleTrie::kRoot;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const double* lp = i == 0 ? p.path.front().logProbs.data_ptr<double>()
                                  : later[static_cast<std::int64_t>(i - 1)].data_ptr<double>();
        const double v = lp[ids[i]];
        const double c = v - p.childLogMass(trie, node, lp);
        out.tokens.push_back({all[i], std::exp(v), std::exp(c)});
        out.logVocabulary += v;
        out.logConstrained += c;
        node = trie.child(node, all[i]);
    }
    return out;
}

namespace {

ProbeRun probeRunOf(const store::RunInfo& info, const std::vector<store::CheckpointRow>& rows,
                    const fs::path& storeFile) {
    ProbeRun r;
    r.runId = info.id;
    r.name = info.name;
    r.method = info.method;
    r.dataset = info.dataset;
    r.status = std::string(store::toString(info.status));
    // best and last are folders rewritten in place: the rows name them, the folder's
    // trainer_state.json says which step it holds now.
    for (const std::string kind : {"best", "last"}) {
        for (const auto& row : rows) {
            fs::path dir = row.path;
            if (dir.is_relative() && !fs::exists(dir)) dir = storeFile.parent_path() / dir;
            if (dir.filename() != kind) continue;
            // A folder without trainer_state.json (weights saved by hand) still probes.
            const fs::path found = TrainingCheckpoint::resolve(dir).value_or(dir);
            if (!fs::exists(found / "config.json")) continue;
            r.kind = kind;
            r.checkpoint = found;
            r.step = fs::exists(found / "trainer_state.json") ? TrainingCheckpoint::readPosition(found).step : row.step;
            return r;
        }
    }
    return r;
}

}  // namespace

std::vector<ProbeRun> probeRuns(const fs::path& storeFile) {
    store::StoreOptions readOnly;
    readOnly.create = false;
    readOnly.readOnly = true;
    store::RunStore runs(storeFile, readOnly);
    std::vector<ProbeRun> out;
    auto infos = runs.listRuns();
    std::sort(infos.begin(), infos.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
    for (const auto& info : infos) {
        if (info.method == "sasrec") continue;  // not a language-model policy
        auto r = probeRunOf(info, runs.checkpoints(info.id), storeFile);
        if (!r.checkpoint.empty()) out.push_back(std::move(r));
    }
    return out;
}

ProbeRun probeRun(const fs::path& storeFile, std::int64_t runId) {
    store::StoreOptions readOnly;
    readOnly.create = false;
    readOnly.readOnly = true;
    store::RunStore runs(storeFile, readOnly);
    const auto info = runs.findRun(runId);
    if (!info) {
        throw Error({storeFile.string(), 0, "run"}, "there is no run " + std::to_string(runId) + " in this store");
    }
    auto r = probeRunOf(*info, runs.checkpoints(runId), storeFile);
    if (r.checkpoint.empty()) {
        throw Error({storeFile.string(), 0, "run"},
                    "run " + std::to_string(runId) + " (" + info->name + ", " + info->method +
                        ") has no checkpoint on disk to probe");
    }
    return r;
}

}  // namespace flower::train
