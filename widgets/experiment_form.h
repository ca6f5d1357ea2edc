// ExperimentForm: every field of an experiment file (core/run/experiment_config.h) as a form.
// The fields are the only state: fieldsJson() builds the experiment's JSON from them, and every edit
// re-validates it through the core's own parser (ExperimentConfig::fromJson), so the message
// beside a field is the one the CLI prints for the same value, and Run / Queue stay disabled
// while the experiment is invalid. Beside the form: the fully resolved JSON (toJson), read-only.
// Fields the core reads as numbers are typed as text and handed to the parser as JSON numbers
// (or as the text itself, which the parser then rejects with its message).
// The dataset is a synthetic catalogue's parameters or a folder / dataset name; λ has a
// log-scale slider next to its exact field and shows the reference's θ = 1/(1+λ); the model
// shows its parameter count and a training-memory estimate; CUDA is disabled (with the reason)
// when this build or machine has none. Advanced fields are folded away until "Advanced".
// An experiment file with an invalid value still loads: every value it gives goes into the
// fields (the invalid one as written), the core's message for the file names the field in the
// banner and beside it, and Run / Queue stay disabled until the user edits (then the form's own
// validation decides). Only a file that cannot be read or merged is refused whole.
// Failure: loadFile (unreadable file, not JSON, broken "extends") and saveFile throw
// flower::Error (the caller shows it); nothing else throws.
#pragma once

#include "core/run/experiment_config.h"

#include <nlohmann/json_fwd.hpp>

#include <QList>
#include <QString>
#include <QWidget>

#include <functional>
#include <optional>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QVBoxLayout;

namespace flower::widgets {

class ExperimentForm : public QWidget {
    Q_OBJECT
public:
    // What validation messages name as the experiment's source ("experiment form, field …").
    static constexpr const char* kErrorSource = "experiment form";

    explicit ExperimentForm(QWidget* parent = nullptr);

    // ExperimentConfig::load (extends, overrides, paths resolved) into the fields.
    void loadFile(const QString& file, const std::vector<std::string>& overrides = {});
    // Writes the fully resolved experiment (only when valid).
    void saveFile(const QString& file) const;
    void setConfig(const run::ExperimentConfig& config);

    // What the fields say, before validation.
    nlohmann::json fieldsJson() const;
    // The validated experiment; nullopt while invalid.
    std::optional<run::ExperimentConfig> config() const { return config_; }
    bool isValid() const { return config_.has_value(); }
    // The core's message ("experiment form, field lambda: expected …"), "" when valid.
    QString errorMessage() const { return error_; }
    // The field the message is about ("lambda", "optimizer.lr"), "" when none.
    QString errorField() const { return errorField_; }
    QString fileName() const { return file_; }

    // For tests and the command line: the editor of a field by its JSON path (e.g. "lambda",
    // "optimizer.lr", "dataset.items" for the synthetic parameters) and its error label.
    QWidget* editor(const QString& path) const;
    QLabel* errorLabel(const QString& path) const;
    void setAdvancedVisible(bool visible);

public Q_SLOTS:
    // File dialogs, then loadFile / saveFile; a failure shows in the form's message line.
    void chooseAndLoad();
    void chooseAndSave();

Q_SIGNALS:
    void runRequested();
    void queueRequested();
    void validityChanged(bool valid);

private:
    enum class Kind { Text, Number, Choice, Bool, List };
    struct Field {
        QString path;
        Kind kind;
        QWidget* editor;
        QLabel* error;
        bool advanced;
        QFormLayout* form;
        QWidget* row;
    };

    QWidget* buildSections();
    QFormLayout* section(QWidget* parent, const QString& title, QVBoxLayout* into);
    QLineEdit* addLine(QFormLayout* f, const QString& label, const QString& path, Kind kind,
                       const QString& tip, bool advanced = false);
    QComboBox* addChoice(QFormLayout* f, const QString& label, const QString& path,
                         const QList<QPair<QString, QString>>& items, const QString& tip,
                         bool advanced = false);
    QCheckBox* addCheck(QFormLayout* f, const QString& label, const QString& path,
                        const QString& tip, bool advanced = false);
    QWidget* addRow(QFormLayout* f, const QString& label, const QString& path, Kind kind,
                    QWidget* editor, QWidget* extra, const QString& tip, bool advanced);
    QWidget* buildDatasetRow(QFormLayout* f);
    QWidget* buildLambdaRow(QFormLayout* f);
    const Field* field(const QString& path) const;
    void reportFailure(const std::function<void()>& action, const QString& file);

    void setFields(const nlohmann::json& resolved);
    QString datasetText() const;
    void setDatasetText(const QString& text);
    void validate();
    void updateModelInfo();
    void updateLambdaExtras();

    QList<Field> fields_;
    bool loading_ = true;  // no validation until the constructor has built every widget
    QString file_;
    std::optional<run::ExperimentConfig> config_;
    QString error_;
    QString errorField_;
    QString loadError_;        // the core's message for the file last loaded, until an edit
    QString loadErrorField_;
    QString loadErrorDetail_;
    bool loadErrorPending_ = false;

    QComboBox* datasetMode_ = nullptr;
    QWidget* syntheticBox_ = nullptr;
    QWidget* folderBox_ = nullptr;
    QLineEdit* datasetFolder_ = nullptr;
    QList<QPair<QString, QLineEdit*>> synthetic_;  // items, users, seed, zipf
    QStringList syntheticOrder_;                   // key order of the loaded spec
    QLabel* datasetError_ = nullptr;
    QSlider* lambdaSlider_ = nullptr;
    QLabel* thetaLabel_ = nullptr;
    QLabel* modelInfo_ = nullptr;
    QLabel* banner_ = nullptr;
    QPlainTextEdit* resolved_ = nullptr;
    QCheckBox* advanced_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* queue_ = nullptr;
};

}  // namespace flower::widgets
