// SasRecTrainer: trains the SASRec baseline as the reference does
// (with_history/code/train_and_get_logits.py, main()):
//   - each epoch the training rows are shuffled into batches of 1,024; for each row one negative
//     item drawn uniformly from all items until it differs from the target;
//   - loss: BCE with logits over [positive score, negative score] at the last history position
//     (mean over the 2B scores); Adam, lr 1e-3, eps 1e-8, coupled L2 weight decay 1e-5;
//   - after every epoch a full-ranking evaluation of the validation split; the epoch with the
//     best validation NDCG@20 (strictly better) is kept; training stops once more than
//     `patience` (20) evaluations in a row brought no improvement (the reference's
//     `early_stop > args.early_stop`: the 21st), or after maxEpochs (200);
//   - the kept model is then evaluated on the test split.
// Only the two scored columns of s_fc are computed while training: the gradient is the same as
// the reference's full [B, items] output gathered at two columns (the others get zero).
// Determinism: the shuffles, negatives, dropout masks and initialisation all come from `seed`.
// Threads: LibTorch's intra-op threads (util::configureTorchThreads).
// Failure: flower::Error for an empty split or an empty history (sequence_tensors.h).
#pragma once

#include "core/data/dataset.h"
#include "core/sasrec/ranking_metrics.h"
#include "core/sasrec/sasrec_config.h"
#include "core/sasrec/sasrec_model.h"
#include "core/sasrec/sequence_tensors.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace flower::sasrec {

struct SasRecTrainingOptions {
    SasRecConfig model;                 // items is taken from the dataset's catalogue
    int maxEpochs = 200;                // the reference's --epoch
    int patience = 20;                  // the reference's --early_stop
    std::int64_t batchSize = 1024;      // the reference's --batch_size
    double lr = 1e-3;                   // Adam
    double eps = 1e-8;                  // Adam
    double weightDecay = 1e-5;          // Adam's coupled L2 (the reference's --l2_decay)
    std::uint64_t seed = 1;             // the reference's --seed default
    std::vector<int> ks = {1, 3, 5, 10, 20};
    int selectionK = 20;                // the epoch kept: best validation NDCG@selectionK
};

struct SasRecEpoch {
    int epoch = 0;                      // 1-based
    double loss = 0;                    // mean training loss over the epoch's batches
    double trainSeconds = 0, evalSeconds = 0;
    RankingMetrics valid;
    bool best = false;                  // this epoch is the kept one so far
};

struct SasRecTrainingResult {
    SasRec model{nullptr};              // the kept (best) epoch's weights, in evaluation mode
    int bestEpoch = 0;
    int epochsRun = 0;
    bool stoppedEarly = false;
    bool cancelled = false;
    double secondsToBest = 0;           // wall time from the start to the end of the best epoch's evaluation
    double seconds = 0;
    RankingMetrics bestValid;
    RankingMetrics test;
    std::vector<SasRecEpoch> epochs;
};

class SasRecTrainer {
public:
    SasRecTrainer(const data::Dataset& dataset, SasRecTrainingOptions options);

    const SasRecTrainingOptions& options() const { return options_; }
    const SequenceTensors& split(std::string_view name) const;  // "train", "valid", "test"

    // `onEpoch` is called after every epoch's evaluation; `cancel` is polled between batches
    // (true: stop, keep the best epoch so far).
    SasRecTrainingResult train(const std::function<void(const SasRecEpoch&)>& onEpoch = {},
                               const std::function<bool()>& cancel = {});

private:
    SasRecTrainingOptions options_;
    SequenceTensors train_, valid_, test_;
};

}  // namespace flower::sasrec
