// openFlowExplorer: an experiment's prefix tree and flows for the flow explorer, built the way
// assembleRun builds them for training (same titles, rewards, smoothing and granularity; see
// run_assembly.h) but without data batches, model or objective, so that it takes a second for
// a catalogue of thousands of titles. The trie is in tokenizer ids (the explorer decodes them
// directly); a compact-vocabulary model maps them with its VocabularyMap when it is compared.
//   - bigrec: every catalogue title, reward = its count in the training histories;
//   - history_free: exactly the RQ1 target titles, reward = the target count.
// The personalised reward variants scale a title's rewards per training row; the explorer shows
// the flows they scale (the summary names the variant).
// Failure: flower::Error from the dataset, tokenizer or trie (file, field, what was expected).
#pragma once

#include "core/flow/flow_explorer.h"
#include "core/run/experiment_config.h"

#include <functional>
#include <string>

namespace flower::train {

// `stage` (may be empty) hears what is being done ("reading the dataset", …), for a progress line.
flow::FlowExplorer openFlowExplorer(const run::ExperimentConfig& config,
                                    const std::function<void(const std::string&)>& stage = {});

}  // namespace flower::train
