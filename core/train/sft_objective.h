// SftObjective — BIGRec supervised fine-tuning (Bao et al., 2023; the reference's train_sft.py):
// prompt → target title + termination token, cross-entropy on the target tokens only (prompt
// positions carry no loss), averaged over all target tokens of the micro-batch:
//   L_SFT = − Σ_{b,t} m_bt log P(y_bt | x_b, y_b,<t) / Σ_{b,t} m_bt
// Scalars: loss/total, loss/sft.
// Failure: flower::Error for a target token outside the vocabulary or mismatched shapes.
#pragma once

#include "core/train/objective.h"

namespace flower::train {

class SftObjective : public Objective {
public:
    std::string name() const override { return "sft"; }
    LossTerms compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                      at::Generator& generator) override;

    // Per sample: − Σ_t m_bt log P(y_bt | ...) / Σ_t m_bt ([B]) and the token total, for
    // objectives that reweight samples (IfairObjective).
    static std::pair<at::Tensor, at::Tensor> targetNll(model::Qwen2ForCausalLMImpl& model,
                                                       const TrainBatch& batch,
                                                       std::int64_t* tokens = nullptr);
};

}  // namespace flower::train
