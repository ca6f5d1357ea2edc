#include "widgets/run_palette.h"

#include "widgets/plot_style.h"

namespace flower::widgets {

int RunPalette::indexOf(const QString& key) {
    const auto it = indices_.constFind(key);
    if (it != indices_.constEnd()) return *it;
    const int next = static_cast<int>(indices_.size());
    indices_.insert(key, next);
    return next;
}

QColor RunPalette::color(const QString& key, const QPalette& palette) {
    return PlotStyle::seriesColor(indexOf(key), palette);
}

}  // namespace flower::widgets
