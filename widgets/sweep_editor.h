// SweepEditor: a dialog that turns the experiment form's experiment into a sweep (issue 18).
// One row per varied field: the field (a combo of the config's dotted keys, free text allowed),
// how its values are given (a list "0.01, 0.1", linspace "start, stop, n" or logspace
// "a, b, n"), and grid or zip. Below, a live preview of the N resolved experiments (one column
// per varied key, the run name) — or the core's message naming the bad field. "Queue N runs"
// writes the sweep's folder (<store folder>/sweeps/<name>-<time>/ with base.json and
// sweep.json: what `flower sweep` reads) and queues the runs into the store as one sweep.
// Load/Save read and write sweep files (core/run/sweep_config.h; the base of a loaded file is
// its own "experiment").
// The preview expands and validates every point (ExperimentConfig::load each): milliseconds for
// the sweeps people write; above 1,000 points only the names are shown.
// Failure: everything the core refuses shows in the message line; "Queue" stays disabled.
#pragma once

#include "core/run/experiment_config.h"

#include <QDialog>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>
#include <vector>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace flower::widgets {

class SweepEditor : public QDialog {
    Q_OBJECT
public:
    enum class Values { List, Linspace, Logspace };

    SweepEditor(const run::ExperimentConfig& base, const QString& storeFile, QWidget* parent = nullptr);

    // For tests and the form: one more axis row (field, values text as typed, zip or grid).
    void addAxis(const QString& key, Values kind, const QString& values, bool zip = false);
    void setSweepName(const QString& name);
    void loadSweepFile(const QString& file);
    void saveSweepFile(const QString& file) const;

    // The sweep's JSON as the rows say (experiment = the base file), and what the core says.
    QString sweepJson() const;
    int pointCount() const { return points_; }
    QString errorMessage() const { return error_; }
    QTableWidget* preview() const { return preview_; }
    QTableWidget* axes() const { return axes_; }
    QPushButton* queueButton() const { return queue_; }

    // Writes the sweep's folder and queues its runs; returns the sweep id (0 on failure, with
    // the message shown). Emits sweepQueued.
    std::int64_t queueSweep();

Q_SIGNALS:
    void sweepQueued(qint64 sweepId, const QList<qint64>& runIds);

private:
    void updatePreview();
    void addRow();
    void chooseAndLoad();
    void chooseAndSave();

    QString storeFile_;
    QTemporaryDir scratch_;      // base.json of the form's experiment, for the preview
    QString baseFile_;
    QLineEdit* name_;
    QTableWidget* axes_;
    QTableWidget* preview_;
    QLabel* message_;
    QPushButton* queue_;
    QString error_;
    int points_ = 0;
    bool loading_ = false;
};

}  // namespace flower::widgets
