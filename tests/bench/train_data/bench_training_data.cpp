// Training-data construction on Movies_and_TV with the default Qwen2.5 tokenizer: BigRecData
// (tokenizes 21,937 train + 2,742 valid prompts once), the corpus vocabulary, BigRecData in
// compact ids, batch collation; plus the size of the compact vocabulary for several corpus
// definitions (to compare with the 4,254 ids of the reference configuration).
// Usage (from the repository root): build/tests/bench/train_data/bench_training_data [SHARED_DIR]
#include "core/data/dataset.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/bigrec_data.h"
#include "core/train/corpus_vocabulary.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <numeric>

namespace {
using Clock = std::chrono::steady_clock;
double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    using namespace flower;
    const auto shared = argc > 1 ? std::filesystem::path(argv[1]) : util::sharedDir().value_or("../shared");
    const auto tok = text::Tokenizer::fromFile(util::defaultTokenizerPath());
    const auto d = data::loadDataset(shared / "data/Movies_and_TV");
    const auto prompt = text::PromptTemplate::bigRec("movies", "movie");

    // Cold: the tokenizer's word cache is empty for the first construction.
    auto t0 = Clock::now();
    const train::BigRecData cold(d, tok, prompt);
    auto t1 = Clock::now();
    const train::BigRecData warm(d, tok, prompt);
    auto t2 = Clock::now();
    const auto vocab = train::bigRecVocabulary(d, tok, prompt, 198);
    auto t3 = Clock::now();
    const train::BigRecData compact(d, tok, prompt, {}, &vocab);
    auto t4 = Clock::now();
    std::vector<std::int64_t> rows(8);
    std::iota(rows.begin(), rows.end(), 0);
    const int reps = 2000;
    for (int i = 0; i < reps; ++i) {
        for (auto& r : rows) r = (r + 8) % compact.size(train::Split::Train);
        const auto b = compact.batch(train::Split::Train, rows);
        if (b.size() != 8) return 1;
    }
    auto t5 = Clock::now();
    std::printf("BigRecData, 24,679 rows: cold %.0f ms, warm %.0f ms; bigRecVocabulary (all 3 splits + "
                "catalogue) %.0f ms; BigRecData in compact ids %.0f ms; batch of 8: %.1f us\n",
                ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), 1000.0 * ms(t4, t5) / reps);

    // Compact vocabulary sizes for several corpus definitions.
    text::VocabularyMap::Builder titles(tok.idEnd()), trainOnly(tok.idEnd());
    std::vector<text::TokenId> ids;
    for (const auto& t : d.catalog.titles()) {
        ids = tok.encode(t);
        titles.add(ids);
        trainOnly.add(ids);
    }
    titles.add(198);
    trainOnly.add(198);
    const std::size_t titleIds = titles.build().size();
    text::VocabularyMap::Builder withInstruction = titles, withHistoryFree = titles;
    withInstruction.add(tok.encode(prompt.instructionPart()));
    withHistoryFree.add(tok.encode(text::PromptTemplate::historyFree("movie").render({})));
    std::printf("compact vocabulary: catalogue titles + 198 + BIGRec instruction part: %zu; + the "
                "history-free prompt instead: %zu\n",
                withInstruction.build().size(), withHistoryFree.build().size());
    trainOnly.add(tok.encode(prompt.instructionPart()));
    std::vector<std::string> h;
    for (const auto& row : d.train.rows()) {
        h.clear();
        for (auto id : row.history) h.push_back(d.catalog.title(id));
        trainOnly.add(tok.encode(prompt.inputPart(h)));
    }
    const auto shortLayout = train::bigRecVocabulary(d, tok, text::PromptTemplate::shortLayout(), 198);
    std::printf("compact vocabulary: catalogue titles + 198: %zu; + train prompts: %zu; + train/valid/"
                "test prompts (bigRecVocabulary): %zu; short layout instead: %zu\n",
                titleIds, trainOnly.build().size(), vocab.size(), shortLayout.size());
    return 0;
}
