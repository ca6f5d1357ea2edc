// PolicyPanel: the Flows tab's "policy beside target" (issue 18). Two policy slots (A, B: e.g.
// an SFT run and a Flower run of the store, or any checkpoint folder) and a prompt (a dataset
// row by split and number, the history-free prompt, or free text); for the explorer's selected
// state it draws
//   - paired bars per child (at a title's end: the parent's children, the choice that led there) (the 12 largest by target flow, the rest summed as "other"):
//     target F(child)/F(state), A and B renormalised over the trie's children (what
//     trie-constrained decoding draws), or over the whole vocabulary (the toggle); labels are
//     the decoded chunks, ⊤ for the terminator;
//   - per token along a title (the selected terminal state's, else the largest-reward title
//     below the state): target vs A vs B, and the title's total probability under each
//     policy vs its target share F(title)/F(root).
// Model work runs on a PolicyWorker (never the GUI thread); the panel says what it computes,
// a newer selection supersedes an older one, and each slot's error is shown in its place.
// The personalised reward variants: the target shown is the unscaled flow (the context line
// says so); per-row preference scaling of the target is not drawn yet.
// Ownership: owns its worker. GUI thread only.
#pragma once

#include "core/flow/flow_explorer.h"
#include "core/train/policy_probe.h"
#include "widgets/exportable_plot.h"

#include <QString>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;

namespace flower::widgets {

class PolicyWorker;
struct PolicyResult;

class PolicyPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kShownChildren = 12;

    explicit PolicyPanel(QWidget* parent = nullptr);
    ~PolicyPanel() override;

    // The run store whose runs with a checkpoint the slots offer ("" = none).
    void setStore(const QString& file);
    QString store() const { return store_; }
    void setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer);
    // The explorer's selected state and its children (the tree model's, largest flow first).
    void showState(flow::FlowExplorer::State state, const std::vector<flow::FlowExplorer::Child>& children);

    // Slot 0 = A, 1 = B. A run of the store (false when it has no checkpoint: the reason goes
    // to the slot's status), a checkpoint folder, or nothing.
    bool setSlotRun(int slot, qint64 runId);
    void setSlotCheckpoint(int slot, const QString& dir);
    void clearSlot(int slot);
    QString slotCheckpoint(int slot) const;
    void setPrompt(const train::ProbePrompt& prompt);
    train::ProbePrompt prompt() const;
    void setWholeVocabulary(bool on);

    bool isComputing() const;
    QString statusText() const;
    QString slotError(int slot) const { return errors_[static_cast<std::size_t>(slot)]; }
    // The bars last drawn: per shown child (and "other") {target, A, B}; NaN where a slot is
    // empty or failed. For tests.
    const std::vector<std::array<double, 3>>& shownBars() const { return shownBars_; }
    QStringList shownLabels() const { return shownLabels_; }
    double lastBarsMs() const { return lastBarsMs_; }
    QCustomPlot* barsPlot() const { return bars_; }
    QCustomPlot* titlePlot() const { return title_; }
    ExportablePlots exportablePlots() const;

Q_SIGNALS:
    // A result was drawn (or every slot is empty): screenshots and tests wait for it.
    void resultShown();

protected:
    void changeEvent(QEvent* event) override;

private:
    void buildUi();
    void fillSlots();
    void onSlotChosen(int slot);
    void onPromptEdited();
    void request();
    void onResult(const PolicyResult& result);
    void drawBars();
    void drawTitle();
    void drawEmpty(QCustomPlot* plot, const QString& text);
    std::optional<flow::TitleIndex> followedTitle() const;

    QString store_;
    std::shared_ptr<const flow::FlowExplorer> explorer_;
    flow::FlowExplorer::State state_{};
    flow::FlowExplorer::State barsState_{};  // state_, or its parent at a title's end
    std::vector<flow::FlowExplorer::Child> children_;
    std::unique_ptr<PolicyWorker> worker_;
    int generation_ = 0;
    int shownGeneration_ = 0;
    std::unique_ptr<PolicyResult> result_;  // the last result drawn
    std::array<QString, 2> errors_;
    std::vector<std::array<double, 3>> shownBars_;
    QStringList shownLabels_;
    double lastBarsMs_ = 0.0;
    bool filling_ = false;

    std::array<QComboBox*, 2> slotBox_{};
    QComboBox* promptKind_ = nullptr;
    QComboBox* split_ = nullptr;
    QSpinBox* row_ = nullptr;
    QLineEdit* freeText_ = nullptr;
    QCheckBox* whole_ = nullptr;
    QLabel* status_ = nullptr;
    QProgressBar* busy_ = nullptr;
    QCustomPlot* bars_ = nullptr;
    QCustomPlot* title_ = nullptr;
};

}  // namespace flower::widgets
