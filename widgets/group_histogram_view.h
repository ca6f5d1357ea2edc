// GroupHistogramView: the popularity-group histogram of a run. For each evaluation step, bars
// of the shares over the popularity groups (bins 0..G−1, group 0 the most popular) of every
// histogram kind stored for it — `groups_recommended` (what the policy generated),
// `groups_history` (training histories), `groups_target` (training targets), others after
// them — side by side; a step slider with a play button walks through the evaluations, and
// DGU/MGU of the shown step (evaluations metric "dgu"/"mgu") stand beside the bars.
// The bars are the stored values, unscaled. While the slider is at the newest step, it follows
// new evaluations. The view owns copies of the rows it was given.
#pragma once

#include "core/store/run_records.h"

#include <QString>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

class QCustomPlot;
class QCPBars;
class QCPBarsGroup;
class QCPItemText;
class QCPTextElement;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace flower::widgets {

class GroupHistogramView : public QWidget {
    Q_OBJECT
public:
    explicit GroupHistogramView(QWidget* parent = nullptr);

    // Adds (or replaces, same kind and step) histograms; keeps the dgu/mgu rows of `evaluations`.
    void addHistograms(const std::vector<store::HistogramRow>& rows);
    void addEvaluations(const std::vector<store::EvaluationRow>& rows);
    void clear();
    void setEmptyText(const QString& text);

    // Evaluation steps that have a histogram, ascending.
    const std::vector<std::int64_t>& steps() const { return steps_; }
    std::int64_t currentStep() const;  // -1 when there is none
    void showStep(std::int64_t step);
    void setPlaying(bool on);
    bool isPlaying() const;

    // What is drawn: the bar heights of `kind` at the shown step (group order); empty if none.
    QVector<double> barValues(const QString& kind) const;
    // The DGU/MGU panel's text (plain), for tests.
    QString fairnessText() const;
    QCustomPlot* plot() const { return plot_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuildSteps();
    void redraw();
    void restyle();
    QCPBars* barsFor(const std::string& kind);

    QCustomPlot* plot_ = nullptr;
    QCPBarsGroup* group_ = nullptr;
    QCPItemText* emptyText_ = nullptr;
    QCPTextElement* title_ = nullptr;  // names the step shown (exported plots have no slider)
    QSlider* slider_ = nullptr;
    QToolButton* play_ = nullptr;
    QLabel* stepLabel_ = nullptr;
    QLabel* fairness_ = nullptr;
    QTimer* playTimer_ = nullptr;
    std::map<std::string, std::map<std::int64_t, std::vector<double>>> data_;  // kind → step → bins
    std::map<std::int64_t, std::vector<store::EvaluationRow>> fairnessRows_;    // step → dgu/mgu
    std::vector<std::int64_t> steps_;
    std::map<std::string, QCPBars*> bars_;
    int groupCount_ = 0;
};

}  // namespace flower::widgets
