// RunPalette: one colour per run or group for the whole comparison — the key ("run:7",
// "group:lambda=0.1") gets the next free colour of PlotStyle's series palette the first time it
// is asked for and keeps it in every plot, the legend and the hyper-parameter table, also
// after the plots are rebuilt (new smoothing, alignment). The view resets it when the selection
// or the grouping changes.
#pragma once

#include <QColor>
#include <QHash>
#include <QPalette>
#include <QString>

namespace flower::widgets {

class RunPalette {
public:
    int indexOf(const QString& key);
    QColor color(const QString& key, const QPalette& palette);
    void reset() { indices_.clear(); }
    int size() const { return static_cast<int>(indices_.size()); }

private:
    QHash<QString, int> indices_;
};

}  // namespace flower::widgets
