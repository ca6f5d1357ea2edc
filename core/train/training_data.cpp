#include "core/train/training_data.h"

namespace flower::train {

const char* toString(Split split) {
    switch (split) {
        case Split::Train: return "train";
        case Split::Valid: return "valid";
        case Split::Test: return "test";
    }
    return "?";
}

}  // namespace flower::train
