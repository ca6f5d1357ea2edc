#include "core/train/objective.h"

#include "core/util/error.h"

namespace flower::train {

double LossTerms::scalar(const std::string& key) const {
    for (const auto& [name, value] : scalars) {
        if (name == key) return value;
    }
    throw Error("loss terms have no scalar \"" + key + "\"");
}

}  // namespace flower::train
