// SASRec on ../shared/data/Movies_and_TV trained to its early stop with the reference's recipe
// (a `slow` test): test NDCG@5 / HR@5 near the paper's SASRec row (Table 4: 0.0902 / 0.1072).
// The bound here is loose (±25%); the closing note reports the figures themselves.
#include "core/data/dataset.h"
#include "core/sasrec/sasrec_trainer.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"

#include <cstdio>

using namespace flower::sasrec;

class TestSasRecMoviesFull : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nearThePaper();
};

void TestSasRecMoviesFull::nearThePaper() {
    const auto shared = flower::util::sharedDir();
    if (!shared || !std::filesystem::exists(*shared / "data/Movies_and_TV")) {
        QSKIP("../shared/data/Movies_and_TV is missing (set FLOWER_SHARED_DIR)");
    }
    const auto d = flower::data::loadDataset(*shared / "data/Movies_and_TV");
    const auto r = SasRecTrainer(d, SasRecTrainingOptions{}).train();
    std::printf("SASRec Movies_and_TV: best epoch %d of %d, %.1f s to the best; test NDCG@5 %.4f HR@5 %.4f "
                "(paper 0.0902 / 0.1072)\n",
                r.bestEpoch, r.epochsRun, r.secondsToBest, r.test.ndcg(5), r.test.hr(5));
    QVERIFY2(std::abs(r.test.ndcg(5) / 0.0902 - 1.0) < 0.25, std::to_string(r.test.ndcg(5)).c_str());
    QVERIFY2(std::abs(r.test.hr(5) / 0.1072 - 1.0) < 0.25, std::to_string(r.test.hr(5)).c_str());
}

FLOWER_TEST_MAIN(TestSasRecMoviesFull, nearThePaper)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_movies_full.moc"
#endif
