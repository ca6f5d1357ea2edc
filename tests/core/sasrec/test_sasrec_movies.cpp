// SASRec on ../shared/data/Movies_and_TV (a `data` test): a few epochs of the reference's
// recipe learn far above chance, and the cached scores of every split have the dataset's shape.
#include "core/data/dataset.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_trainer.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"

using namespace flower::sasrec;

class TestSasRecMovies : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fewEpochsLearn();
};

void TestSasRecMovies::fewEpochsLearn() {
    const auto shared = flower::util::sharedDir();
    if (!shared || !std::filesystem::exists(*shared / "data/Movies_and_TV")) {
        QSKIP("../shared/data/Movies_and_TV is missing (set FLOWER_SHARED_DIR)");
    }
    const auto d = flower::data::loadDataset(*shared / "data/Movies_and_TV");
    SasRecTrainingOptions o;
    o.maxEpochs = 3;
    SasRecTrainer trainer(d, o);
    QCOMPARE(trainer.options().model.items, std::int64_t(2653));
    auto r = trainer.train();
    const double chance = 20.0 / 2653.0;
    QVERIFY2(r.bestValid.hr(20) > 5 * chance, std::to_string(r.bestValid.hr(20)).c_str());
    const at::Tensor valid = scoreRows(*r.model, trainer.split("valid"));
    QCOMPARE(valid.size(0), std::int64_t(2742));
    QCOMPARE(valid.size(1), std::int64_t(2653));
}

FLOWER_TEST_MAIN(TestSasRecMovies, fewEpochsLearn)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_movies.moc"
#endif
