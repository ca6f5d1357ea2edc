// The EMA every plot uses lives in core (core/compare/series_smoothing.h) since the comparison
// smooths runs off the GUI thread before aggregating them; this name stays for the widgets.
#pragma once

#include "core/compare/series_smoothing.h"

namespace flower::widgets {

using compare::SeriesSmoothing;

}  // namespace flower::widgets
