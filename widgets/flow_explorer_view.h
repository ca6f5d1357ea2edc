// FlowExplorerView: the workbench's "Flows" tab (issue 18) — an experiment's title prefix tree
// with Flower's target flows, to walk by hand.
//   - context line: dataset, titles, nodes, reward variant, granularity n, smoothing α;
//   - search box: titles containing the text (case-insensitive, as you type); Enter or a click
//     on a hit jumps to the title's path (tree, graph and details follow);
//   - tree (FlowTreeModel, lazy children): token text, F, p = F/F(parent), log reward, titles;
//   - graph (FlowGraphView) of the selected state and its children, breadcrumb above it; click a
//     child to descend, the parent box or a breadcrumb link to climb;
//   - details: the decoded prefix, token ids, F, share of the root flow, titles below (the
//     title and its item ids at a terminal state), and every child with F, p and log reward;
//   - policy beside target (PolicyPanel, below): two checkpoints' probabilities for the
//     selected state's children and along a title, next to the target's.
// Building: loadExperiment() builds trie and flows on a worker thread (train::openFlowExplorer);
// meanwhile the tab says what it is doing, an error shows the core's message. Before any
// experiment the tab explains how to get one (the experiment form's settings, or
// --experiment); with a config source set, showing the tab builds the form's experiment once.
// Ownership: owns its worker (joined on destruction). GUI thread only.
#pragma once

#include "core/flow/flow_explorer.h"
#include "core/run/experiment_config.h"
#include "widgets/export_source.h"
#include "widgets/exportable_plot.h"

#include <QPointer>
#include <QString>
#include <QThread>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTextBrowser;
class QTreeView;

namespace flower::widgets {

class FlowGraphView;
class FlowTreeModel;
class PolicyPanel;

class FlowExplorerView : public QWidget, public ExportSource {
    Q_OBJECT
public:
    explicit FlowExplorerView(QWidget* parent = nullptr);
    ~FlowExplorerView() override;

    // Builds the experiment's trie and flows off the GUI thread; explorerReady or buildFailed
    // follows. A second call while building supersedes the first.
    void loadExperiment(const run::ExperimentConfig& config);
    // Shows an explorer built elsewhere (tests, benchmarks).
    void setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer);
    const flow::FlowExplorer* explorer() const { return explorer_.get(); }
    bool isBuilding() const { return building_; }
    // Where "Explore the form's experiment" and the first showing of the tab take a config from.
    void setConfigSource(std::function<std::optional<run::ExperimentConfig>()> source);

    // Selects a state: tree row, graph, breadcrumb and details follow.
    void selectState(flow::FlowExplorer::State state);
    flow::FlowExplorer::State currentState() const { return current_; }
    // Jumps to the path of title t (its terminal state).
    void jumpToTitle(flow::TitleIndex t);
    // Exports the graph (PNG, SVG, PDF by suffix); "" or the reason.
    QString exportGraph(const QString& file) const;
    // The graph and the policy panel's two charts, for the export dialog.
    // ExportSource: File ▸ Export plots… / Export series… on this tab.
    ExportablePlots exportablePlots() const override;
    // The run store whose runs the policy panel offers.
    void setStore(const QString& file);
    PolicyPanel* policyPanel() const { return policy_; }

    QLineEdit* searchBox() const { return search_; }
    QListWidget* searchHits() const { return hits_; }
    QTreeView* treeView() const { return tree_; }
    FlowTreeModel* treeModel() const { return model_; }
    FlowGraphView* graphView() const { return graph_; }
    QTextBrowser* details() const { return details_; }
    QLabel* breadcrumb() const { return crumbs_; }
    QString statusText() const;

Q_SIGNALS:
    void explorerReady();
    void buildFailed(const QString& message);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void buildUi();
    void onSearchEdited(const QString& text);
    void onHitActivated(QListWidgetItem* item);
    void onTreeCurrentChanged();
    void updateDetails();
    void updateBreadcrumb();
    void chooseExport();
    void loadFromSource();
    void startBuild(const run::ExperimentConfig& config);
    void finishBuild(int generation, std::shared_ptr<const flow::FlowExplorer> explorer,
                     const QString& error);

    std::shared_ptr<const flow::FlowExplorer> explorer_;
    flow::FlowExplorer::State current_{};
    std::function<std::optional<run::ExperimentConfig>()> source_;
    bool triedSource_ = false;
    bool building_ = false;
    bool selecting_ = false;
    int generation_ = 0;
    QPointer<QThread> worker_;
    std::optional<run::ExperimentConfig> pending_;  // asked for while building

    QStackedWidget* stack_ = nullptr;
    QLabel* emptyText_ = nullptr;
    QLabel* busyText_ = nullptr;
    QProgressBar* busy_ = nullptr;
    QLabel* errorText_ = nullptr;
    QLabel* context_ = nullptr;
    QLineEdit* search_ = nullptr;
    QLabel* searchInfo_ = nullptr;
    QListWidget* hits_ = nullptr;
    QTreeView* tree_ = nullptr;
    FlowTreeModel* model_ = nullptr;
    FlowGraphView* graph_ = nullptr;
    QLabel* crumbs_ = nullptr;
    QTextBrowser* details_ = nullptr;
    QPushButton* export_ = nullptr;
    PolicyPanel* policy_ = nullptr;
};

}  // namespace flower::widgets
