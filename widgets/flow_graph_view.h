// FlowGraphView: the neighbourhood of one prefix-tree state as a picture (the paper's Figure 3):
// the state's box on the left (its decoded prefix and F), its children's boxes on the right
// (decoded token text, F, target probability p = F(child)/F(state)), joined by edges whose width
// is proportional to the child's flow (p × the widest edge). The largest children are drawn
// (maxChildren, default 12) and the rest folded into one "+ k more" box with their summed flow.
// Clicking a child's box (or the parent box on the far left) emits stateActivated, so the
// explorer can descend or climb. exportTo() writes the picture as PNG, SVG or PDF.
// Ownership: shares the explorer; GUI thread only.
#pragma once

#include "core/flow/flow_explorer.h"

#include <QGraphicsView>

#include <memory>
#include <vector>

class QGraphicsScene;

namespace flower::widgets {

class FlowGraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit FlowGraphView(QWidget* parent = nullptr);

    void setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer);
    // Draws `state` and `children` (as FlowTreeModel lists them; passed in so both share one
    // computation).
    void showState(flow::FlowExplorer::State state, const std::vector<flow::FlowExplorer::Child>& children);
    void clearState();
    void setMaxChildren(int n) { maxChildren_ = n; }

    // What is drawn, for tests: the states of the children's boxes, top to bottom, and the
    // text of each box (the state's first).
    std::vector<flow::FlowExplorer::State> shownChildren() const { return shown_; }
    QStringList boxTexts() const { return texts_; }
    // The pen width of the edge to shown child i.
    double edgeWidth(int i) const { return i >= 0 && i < static_cast<int>(widths_.size()) ? widths_[static_cast<std::size_t>(i)] : 0.0; }

    // PNG (twice the scene's size), SVG or PDF, by the file's suffix. "" or the reason it failed.
    QString exportTo(const QString& file) const;

    static constexpr double kMaxEdgeWidth = 28.0;

Q_SIGNALS:
    void stateActivated(quint64 stateKey);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void fit();

    QGraphicsScene* scene_ = nullptr;
    std::shared_ptr<const flow::FlowExplorer> explorer_;
    std::vector<flow::FlowExplorer::State> shown_;
    QStringList texts_;
    std::vector<double> widths_;
    int maxChildren_ = 12;
};

}  // namespace flower::widgets
