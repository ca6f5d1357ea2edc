#include "widgets/experiment_form.h"
#include "widgets/prepare_amazon_dialog.h"

#include "core/model/qwen2_config.h"
#include "core/model/qwen2_presets.h"
#include "core/run/resource_locator.h"
#include "core/store/table_builder.h"
#include "core/util/error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

#include <QFont>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace flower::widgets {

using nlohmann::json;

namespace {

// λ slider: log10 λ in hundredths from 10^-4 to 10^2, one more notch for ∞ (SubTB alone).
constexpr int kLambdaMin = -400;
constexpr int kLambdaMax = 200;
constexpr int kLambdaInf = kLambdaMax + 1;
// A preset's compact vocabulary is known only once the corpus is read; the estimate uses this.
constexpr std::int64_t kPresetVocabularyEstimate = 4096;

QString numberText(const json& v) {
    if (v.is_string()) {
        return QString::fromStdString(v.get<std::string>());
    }
    if (v.is_null()) {
        return {};
    }
    return QString::fromStdString(v.dump());
}

json parseNumber(const QString& text, bool allowInfinity) {
    const QString t = text.trimmed();
    if (t.isEmpty()) {
        return nullptr;
    }
    if (allowInfinity && (t == QLatin1String("inf") || t == QStringLiteral("∞"))) {
        return "inf";
    }
    json j = json::parse(t.toStdString(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_number()) {
        return j;
    }
    return t.toStdString();  // the parser names what it expected
}

json parseList(const QString& text) {
    std::string array = "[";  // (built stepwise: GCC 12 warns wrongly on a + b + c here)
    array += text.toStdString();
    array += ']';
    json j = json::parse(array, nullptr, false);
    if (!j.is_discarded()) {
        return j;
    }
    return text.toStdString();
}

QString listText(const json& v) {
    if (!v.is_array()) {
        return numberText(v);
    }
    QStringList parts;
    for (const auto& x : v) {
        parts << QString::fromStdString(x.dump());
    }
    return parts.join(QStringLiteral(", "));
}

template <typename E>
QList<QPair<QString, QString>> choices(std::initializer_list<std::pair<E, const char*>> items) {
    QList<QPair<QString, QString>> out;
    for (const auto& [value, label] : items) {
        const QString name = QString::fromStdString(std::string(run::toString(value)));
        out.push_back({name, label[0] ? name + QStringLiteral(" — ") + QString::fromUtf8(label)
                                      : name});
    }
    return out;
}

std::int64_t parameterCount(const model::Qwen2Config& c) {
    const std::int64_t d = c.hiddenSize;
    const std::int64_t kv = c.numKeyValueHeads * c.headDim();
    const std::int64_t attention = (d * d + d) + 2 * (d * kv + kv) + d * d;  // q, k, v (biased), o
    const std::int64_t mlp = 3 * d * c.intermediateSize;
    const std::int64_t layer = attention + mlp + 2 * d;
    const std::int64_t embeddings = c.vocabSize * d * (c.tieWordEmbeddings ? 1 : 2);
    return embeddings + c.numHiddenLayers * layer + d;
}

QString humanCount(double n) {
    if (n >= 1e9) return QString::number(n / 1e9, 'f', 2) + QStringLiteral(" B");
    if (n >= 1e6) return QString::number(n / 1e6, 'f', 2) + QStringLiteral(" M");
    if (n >= 1e3) return QString::number(n / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(n);
}

QString humanBytes(double b) {
    if (b >= 1024.0 * 1024 * 1024) return QString::number(b / (1024.0 * 1024 * 1024), 'f', 1) + " GiB";
    return QString::number(b / (1024.0 * 1024), 'f', 0) + " MiB";
}

}  // namespace

ExperimentForm::ExperimentForm(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("experimentForm"));
    auto* top = new QHBoxLayout;
    auto* load = new QPushButton(tr("Load…"), this);
    load->setObjectName(QStringLiteral("loadExperiment"));
    auto* save = new QPushButton(tr("Save as…"), this);
    save->setObjectName(QStringLiteral("saveExperiment"));
    advanced_ = new QCheckBox(tr("Show advanced fields"), this);
    advanced_->setObjectName(QStringLiteral("showAdvanced"));
    queue_ = new QPushButton(tr("Queue"), this);
    queue_->setObjectName(QStringLiteral("queueButton"));
    queue_->setToolTip(tr("Add to the store's queue; queued runs execute one after another"));
    run_ = new QPushButton(tr("Run"), this);
    run_->setObjectName(QStringLiteral("runButton"));
    run_->setDefault(true);
    run_->setToolTip(tr("Queue this experiment and start the queue now (Ctrl+R)"));
    top->addWidget(load);
    top->addWidget(save);
    top->addSpacing(12);
    top->addWidget(advanced_);
    top->addStretch(1);
    top->addWidget(queue_);
    top->addWidget(run_);

    banner_ = new QLabel(this);
    banner_->setObjectName(QStringLiteral("formError"));
    banner_->setWordWrap(true);
    banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner_->setStyleSheet(QStringLiteral("color: #c0392b;"));
    banner_->hide();

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(buildSections());

    resolved_ = new QPlainTextEdit(this);
    resolved_->setObjectName(QStringLiteral("resolvedJson"));
    resolved_->setReadOnly(true);
    resolved_->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    resolved_->setFont(mono);
    auto* resolvedBox = new QWidget(this);
    auto* resolvedLayout = new QVBoxLayout(resolvedBox);
    resolvedLayout->setContentsMargins(0, 0, 0, 0);
    auto* resolvedTitle = new QLabel(tr("<b>Resolved experiment</b> (what the run store keeps)"),
                                     resolvedBox);
    resolvedLayout->addWidget(resolvedTitle);
    resolvedLayout->addWidget(resolved_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(scroll);
    split->addWidget(resolvedBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(banner_);
    layout->addWidget(split, 1);

    connect(run_, &QPushButton::clicked, this, &ExperimentForm::runRequested);
    connect(queue_, &QPushButton::clicked, this, &ExperimentForm::queueRequested);
    connect(advanced_, &QCheckBox::toggled, this, &ExperimentForm::setAdvancedVisible);
    connect(load, &QPushButton::clicked, this, &ExperimentForm::chooseAndLoad);
    connect(save, &QPushButton::clicked, this, &ExperimentForm::chooseAndSave);

    setConfig(run::ExperimentConfig{});
    setAdvancedVisible(false);
}

void ExperimentForm::chooseAndLoad() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Load experiment"), file_,
                                                      tr("Experiments (*.json)"));
    reportFailure([&] { loadFile(file); }, file);
}

void ExperimentForm::chooseAndSave() {
    const QString file = QFileDialog::getSaveFileName(this, tr("Save experiment"), file_,
                                                      tr("Experiments (*.json)"));
    reportFailure([&] { saveFile(file); }, file);
}

void ExperimentForm::reportFailure(const std::function<void()>& action, const QString& file) {
    if (file.isEmpty()) return;  // the dialog was cancelled
    try {
        action();
    } catch (const std::exception& e) {
        banner_->setText(QString::fromUtf8(e.what()));
        banner_->show();
    }
}

QFormLayout* ExperimentForm::section(QWidget* parent, const QString& title, QVBoxLayout* into) {
    auto* box = new QGroupBox(title, parent);
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    into->addWidget(box);
    return form;
}

QWidget* ExperimentForm::addRow(QFormLayout* f, const QString& label, const QString& path,
                                Kind kind, QWidget* editor, QWidget* extra, const QString& tip,
                                bool advanced) {
    auto* row = new QWidget;
    auto* v = new QVBoxLayout(row);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    auto* h = new QHBoxLayout;
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(editor, 1);
    if (extra) {
        h->addWidget(extra);
    }
    v->addLayout(h);
    auto* error = new QLabel(row);
    error->setObjectName(QStringLiteral("error:") + path);
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    error->hide();
    v->addWidget(error);
    editor->setObjectName(QStringLiteral("field:") + path);
    editor->setToolTip(tip + QStringLiteral("\n(JSON: ") + path + QStringLiteral(")"));
    f->addRow(label, row);
    fields_.push_back({path, kind, editor, error, advanced, f, row});
    return row;
}

QLineEdit* ExperimentForm::addLine(QFormLayout* f, const QString& label, const QString& path,
                                   Kind kind, const QString& tip, bool advanced) {
    auto* edit = new QLineEdit;
    connect(edit, &QLineEdit::textChanged, this, &ExperimentForm::validate);
    addRow(f, label, path, kind, edit, nullptr, tip, advanced);
    return edit;
}

QComboBox* ExperimentForm::addChoice(QFormLayout* f, const QString& label, const QString& path,
                                     const QList<QPair<QString, QString>>& items,
                                     const QString& tip, bool advanced) {
    auto* combo = new QComboBox;
    for (const auto& [value, text] : items) {
        combo->addItem(text, value);
    }
    connect(combo, &QComboBox::currentIndexChanged, this, &ExperimentForm::validate);
    addRow(f, label, path, Kind::Choice, combo, nullptr, tip, advanced);
    return combo;
}

QCheckBox* ExperimentForm::addCheck(QFormLayout* f, const QString& label, const QString& path,
                                    const QString& tip, bool advanced) {
    auto* check = new QCheckBox;
    connect(check, &QCheckBox::toggled, this, &ExperimentForm::validate);
    addRow(f, label, path, Kind::Bool, check, nullptr, tip, advanced);
    return check;
}

QWidget* ExperimentForm::buildDatasetRow(QFormLayout* f) {
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(0, 0, 0, 0);
    datasetMode_ = new QComboBox(box);
    datasetMode_->setObjectName(QStringLiteral("datasetMode"));
    datasetMode_->addItem(tr("Synthetic catalogue (generated, Zipf popularity)"), "synthetic");
    datasetMode_->addItem(tr("Folder or dataset name (reference layout)"), "folder");
    v->addWidget(datasetMode_);

    syntheticBox_ = new QWidget(box);
    auto* grid = new QHBoxLayout(syntheticBox_);
    grid->setContentsMargins(0, 0, 0, 0);
    const QList<QPair<QString, QString>> params = {
        {"items", tr("items")}, {"users", tr("users")}, {"seed", tr("seed")}, {"zipf", tr("Zipf a")}};
    for (const auto& [key, label] : params) {
        auto* l = new QLabel(label, syntheticBox_);
        auto* e = new QLineEdit(syntheticBox_);
        e->setObjectName(QStringLiteral("field:dataset.") + key);
        e->setPlaceholderText(tr("default"));
        e->setToolTip(key == "zipf" ? tr("Exponent of the popularity law (> 0)")
                                    : tr("%1 of the generated catalogue").arg(label));
        l->setBuddy(e);
        grid->addWidget(l);
        grid->addWidget(e, 1);
        synthetic_.push_back({key, e});
        connect(e, &QLineEdit::textChanged, this, &ExperimentForm::validate);
    }
    v->addWidget(syntheticBox_);

    folderBox_ = new QWidget(box);
    auto* h = new QHBoxLayout(folderBox_);
    h->setContentsMargins(0, 0, 0, 0);
    datasetFolder_ = new QLineEdit(folderBox_);
    datasetFolder_->setObjectName(QStringLiteral("field:dataset.folder"));
    datasetFolder_->setPlaceholderText(tr("Movies_and_TV, or a folder with train/valid/test CSVs"));
    auto* browse = new QToolButton(folderBox_);
    browse->setText(tr("Browse…"));
    h->addWidget(datasetFolder_, 1);
    h->addWidget(browse);
    auto* prepare = new QToolButton(folderBox_);  // raw Amazon dumps → a folder (core/prepare)
    prepare->setText(tr("Prepare from raw Amazon files…"));
    prepare->setObjectName(QStringLiteral("prepareAmazon"));
    h->addWidget(prepare);
    connect(prepare, &QToolButton::clicked, this, [this] {
        PrepareAmazonDialog dialog(this);
        if (dialog.exec() == QDialog::Accepted) datasetFolder_->setText(dialog.preparedFolder());
    });
    v->addWidget(folderBox_);
    connect(datasetFolder_, &QLineEdit::textChanged, this, &ExperimentForm::validate);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"));
        if (!dir.isEmpty()) datasetFolder_->setText(dir);
    });
    connect(datasetMode_, &QComboBox::currentIndexChanged, this, [this] {
        const bool synthetic = datasetMode_->currentData().toString() == "synthetic";
        syntheticBox_->setVisible(synthetic);
        folderBox_->setVisible(!synthetic);
        validate();
    });
    addRow(f, tr("Dataset"), QStringLiteral("dataset"), Kind::Text, box, nullptr,
           tr("The catalogue and interactions to train on"), false);
    return box;
}

QWidget* ExperimentForm::buildLambdaRow(QFormLayout* f) {
    auto* exact = new QLineEdit;
    exact->setMaximumWidth(exact->fontMetrics().horizontalAdvance(QStringLiteral("0.000123456")) +
                           16);
    auto* box = new QWidget;  // slider and θ beside the exact field
    auto* h = new QHBoxLayout(box);
    h->setContentsMargins(0, 0, 0, 0);
    lambdaSlider_ = new QSlider(Qt::Horizontal, box);
    lambdaSlider_->setObjectName(QStringLiteral("lambdaSlider"));
    lambdaSlider_->setRange(kLambdaMin, kLambdaInf);
    lambdaSlider_->setToolTip(tr("log scale: 10⁻⁴ … 10², right end = ∞ (SubTB only)"));
    thetaLabel_ = new QLabel(box);
    thetaLabel_->setObjectName(QStringLiteral("thetaLabel"));
    thetaLabel_->setMinimumWidth(thetaLabel_->fontMetrics().horizontalAdvance(
        QStringLiteral("θ = 1/(1+λ) = 0.999999")));
    h->addWidget(lambdaSlider_, 1);
    h->addWidget(thetaLabel_);
    connect(exact, &QLineEdit::textChanged, this, [this] {
        updateLambdaExtras();
        validate();
    });
    connect(lambdaSlider_, &QSlider::valueChanged, this, [this, exact](int v) {
        if (loading_) return;
        exact->setText(v == kLambdaInf ? QStringLiteral("inf")
                                       : QString::number(std::pow(10.0, v / 100.0), 'g', 3));
    });
    addRow(f, tr("λ (SubTB weight)"), QStringLiteral("lambda"), Kind::Number, exact, box,
           tr("L = L_SFT + λ·L_SubTB, λ ≥ 0 or inf (SubTB alone); the reference writes "
              "θ·L_SFT + (1−θ)·L_SubTB"),
           false);
    return box;
}

QWidget* ExperimentForm::buildSections() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);

    QFormLayout* f = section(page, tr("Experiment"), v);
    addLine(f, tr("Name"), "name", Kind::Text, tr("Run name in the run list"));
    addLine(f, tr("Description"), "description", Kind::Text, tr("Free text shown with the run"));
    addLine(f, tr("Table row"), "table_row", Kind::Text,
            tr("Row of the paper table (export --table paper); empty: from method, decoding and "
               "reward, e.g. BIGRec, Temp, Flower (÷ pref)"));

    f = section(page, tr("Data"), v);
    buildDatasetRow(f);
    addChoice(f, tr("Prompt template"), "prompt_template",
              {{"bigrec", tr("bigrec — history → next title (RQ2)")},
               {"history_free", tr("history_free — one fixed prompt, fit the title distribution (RQ1)")}},
              tr("What the prompts hold"));
    addLine(f, tr("Tokenizer"), "tokenizer", Kind::Text,
            tr("tokenizer.json; empty = the default Qwen2.5 tokenizer"), true)
        ->setPlaceholderText(tr("default Qwen2.5 tokenizer"));
    addLine(f, tr("RQ1 target"), "rq1_target", Kind::Text,
            tr("{title: count} JSON relative to the dataset; empty = the training-history counts"),
            true)
        ->setPlaceholderText(tr("the dataset's training-history counts"));

    f = section(page, tr("Model"), v);
    {
        auto* model = new QComboBox;
        model->setEditable(true);
        for (const auto& preset : model::qwen2Presets()) {
            model->addItem(QString::fromStdString(preset.name));
        }
        for (const char* hf : {"Qwen2.5-0.5B", "Qwen2.5-1.5B", "Qwen2.5-3B"}) {
            model->addItem(QString::fromLatin1(hf));
        }
        auto* browse = new QToolButton;
        browse->setText(tr("Browse…"));
        browse->setToolTip(tr("A Hugging Face model directory (config.json + safetensors)"));
        addRow(f, tr("Model"), "model", Kind::Choice, model, browse,
               tr("A CPU preset trained from scratch, or a Hugging Face checkpoint"), false);
        connect(model, &QComboBox::currentTextChanged, this, [this] {
            updateModelInfo();
            validate();
        });
        connect(browse, &QToolButton::clicked, this, [this, model] {
            const QString dir = QFileDialog::getExistingDirectory(this, tr("Model directory"));
            if (!dir.isEmpty()) model->setCurrentText(dir);
        });
        modelInfo_ = new QLabel;
        modelInfo_->setObjectName(QStringLiteral("modelInfo"));
        modelInfo_->setWordWrap(true);
        f->addRow(QString(), modelInfo_);
    }
    {
        auto* device = addChoice(f, tr("Device"), "device",
                                 choices<run::DeviceChoice>({{run::DeviceChoice::Auto, "CUDA when available"},
                                                             {run::DeviceChoice::Cpu, ""},
                                                             {run::DeviceChoice::Cuda, ""}}),
                                 tr("Where the run trains"));
        try {
            run::resolveDevice(run::DeviceChoice::Cuda);
        } catch (const Error& e) {
            auto* items = qobject_cast<QStandardItemModel*>(device->model());
            const int i = device->findData(QStringLiteral("cuda"));
            if (items && i >= 0) {
                items->item(i)->setEnabled(false);
                items->item(i)->setText(tr("cuda — unavailable"));
                items->item(i)->setToolTip(QString::fromStdString(e.detail()));
            }
            device->setToolTip(device->toolTip() + QStringLiteral("\nCUDA: ") +
                               QString::fromStdString(e.detail()));
        }
    }
    addChoice(f, tr("Precision"), "dtype",
              choices<run::DType>({{run::DType::Float32, ""},
                                   {run::DType::BFloat16, "fp32 master weights and AdamW states"}}),
              tr("Parameter and activation type"));
    addCheck(f, tr("Gradient checkpointing"), "gradient_checkpointing",
             tr("Recompute each layer in the backward: ×0.33 activation memory, ~×1.3 time "
                "(large models on a GPU)"),
             true);

    f = section(page, tr("Objective"), v);
    addChoice(f, tr("Method"), "method",
              choices<run::Method>({{run::Method::Flower, "SFT + λ·SubTB (flow-guided)"},
                                    {run::Method::Sft, "supervised fine-tuning (BIGRec)"},
                                    {run::Method::SftTemperature, "SFT, decoded at a temperature"},
                                    {run::Method::IFairLrs, "SFT reweighted by item popularity"}}),
              tr("Training objective"));
    addChoice(f, tr("Reward variant"), "reward.variant",
              choices<run::RewardVariant>({{run::RewardVariant::Flow, "R (popularity flow)"},
                                           {run::RewardVariant::FlowDivPref, "R ÷ preference"},
                                           {run::RewardVariant::FlowPlusLogPref, "log R + log preference"}}),
              tr("What the titles' flows are"));
    buildLambdaRow(f);
    addLine(f, tr("Granularity n"), "reward.granularity", Kind::Number,
            tr("Tokens per flow step (SubTB states every n tokens)"));
    addLine(f, tr("SubTB λ"), "subtb_lambda", Kind::Number,
            tr("Geometric weight of sub-trajectory lengths in SubTB (> 0)"));
    addLine(f, tr("Reward smoothing α"), "reward.smoothing", Kind::Number,
            tr("Added to every item's count"), true);

    f = section(page, tr("Rollout (Flower)"), v);
    addChoice(f, tr("Constraint"), "rollout.constraint",
              choices<run::RolloutConstraint>({{run::RolloutConstraint::Trie, "titles of the catalogue only"},
                                               {run::RolloutConstraint::Free, "whole vocabulary (the reference)"}}),
              tr("What training rollouts may generate"));
    addLine(f, tr("Temperature"), "rollout.temperature", Kind::Number,
            tr("Sampling temperature of the on-policy rollouts (> 0)"));
    addChoice(f, tr("log P_F over"), "rollout.log_pf",
              choices<run::PfNormalisation>({{run::PfNormalisation::Vocabulary, "softmax over the vocabulary (reference)"},
                                             {run::PfNormalisation::Tree, "softmax over the tree's children + ⊤"}}),
              tr("What Flower's forward policy is normalised over"), true);
    addLine(f, tr("Offline probability"), "rollout.offline_probability", Kind::Number,
            tr("Chance per micro-batch of replay-buffer titles instead of rollouts"), true);
    addLine(f, tr("Offline decay threshold"), "rollout.offline_decay.threshold", Kind::Number,
            tr("Mean buffer SubTB loss below which the chance drops"), true);
    addLine(f, tr("Offline decay step"), "rollout.offline_decay.step", Kind::Number,
            tr("How much the chance drops after such an epoch (0 = constant)"), true);
    addLine(f, tr("Offline decay floor"), "rollout.offline_decay.floor", Kind::Number,
            tr("The chance never drops below this"), true);

    f = section(page, tr("Optimisation"), v);
    addLine(f, tr("Learning rate"), "optimizer.lr", Kind::Number, tr("Peak learning rate of AdamW"));
    addChoice(f, tr("Schedule"), "optimizer.schedule",
              choices<run::LrSchedule>({{run::LrSchedule::Linear, "linear decay (the reference)"},
                                        {run::LrSchedule::Cosine, ""},
                                        {run::LrSchedule::Constant, ""}}),
              tr("Shape after warm-up"));
    addLine(f, tr("Warm-up steps"), "optimizer.warmup_steps", Kind::Number,
            tr("Linear warm-up from 0 to the learning rate"));
    addLine(f, tr("Batch size"), "batch_size", Kind::Number, tr("Examples per optimiser step"));
    addLine(f, tr("Micro-batch size"), "micro_batch_size", Kind::Number,
            tr("Examples per forward pass; the batch size must be a multiple"));
    addLine(f, tr("Epochs"), "epochs", Kind::Number, tr("Passes over the training split"));
    addLine(f, tr("Max steps"), "max_steps", Kind::Number, tr("Stop after this many steps; 0 = no limit"));
    addLine(f, tr("Gradient clip"), "optimizer.grad_clip", Kind::Number,
            tr("Max global gradient norm; 0 = no clipping"), true);
    addLine(f, tr("Weight decay"), "optimizer.weight_decay", Kind::Number,
            tr("Decoupled weight decay"), true);
    addLine(f, tr("AdamW betas"), "optimizer.betas", Kind::List, tr("β1, β2 in [0, 1)"), true);
    addLine(f, tr("Checkpoint every"), "checkpoint_every", Kind::Number,
            tr("Save every N steps; 0 = at each epoch end"), true);

    f = section(page, tr("Evaluation and early stopping"), v);
    addLine(f, tr("Evaluate every"), "evaluation.every_steps", Kind::Number,
            tr("Optimiser steps between evaluations; 0 = each epoch end"));
    addLine(f, tr("Early-stopping patience"), "early_stopping.patience", Kind::Number,
            tr("Evaluations without improvement before stopping; 0 = off"));
    addLine(f, tr("Monitored metric"), "early_stopping.metric", Kind::Text,
            tr("<split>/<metric>[@K], e.g. valid/loss or valid/ndcg@5"), true);
    addChoice(f, tr("Metric mode"), "early_stopping.mode",
              {{"min", tr("min — lower is better")}, {"max", tr("max — higher is better")}},
              tr("Direction of improvement"), true);
    addLine(f, tr("Beams"), "evaluation.beams", Kind::Number,
            tr("Beam width of the recommendation list"), true);
    addLine(f, tr("Cut-offs K"), "evaluation.k", Kind::List, tr("NDCG@K, HR@K, e.g. 1, 5, 10"), true);
    auto* decoding = addChoice(f, tr("Decoding"), "evaluation.decoding",
              choices<run::Decoding>({{run::Decoding::Beam, "beam search over catalogue titles (BIGRec)"},
                                      {run::Decoding::Temp, "beam search at temperature 1.5"},
                                      {run::Decoding::D3, "beam search, length penalty 0 (D3)"},
                                      {run::Decoding::Free, "sampling (RQ1, history-free prompts)"}}),
              tr("How the recommendation lists are decoded"), true);
    auto* penalty = addLine(f, tr("Length penalty"), "evaluation.length_penalty", Kind::Number,
                            tr("α of Σ log p / L^α; 1 for beam and temp, 0 for d3"), true);
    auto* temperature = addLine(f, tr("Decoding temperature"), "evaluation.temperature", Kind::Number,
                                tr("Softmax temperature when decoding; 1.5 for temp, else 1"), true);
    // A file that leaves α and T out gets the decoding's defaults (core/run); the form always
    // holds values, so switching the decoding carries the new defaults into fields that still
    // hold the old decoding's (a value the researcher typed stays).
    connect(decoding, &QComboBox::currentIndexChanged, this,
            [this, decoding, penalty, temperature, previous = decoding->currentData().toString()]() mutable {
                const QString now = decoding->currentData().toString();
                const auto decodingOf = [](const QString& name) {
                    for (auto d : {run::Decoding::Beam, run::Decoding::Temp, run::Decoding::D3,
                                   run::Decoding::Free}) {
                        if (name.toStdString() == run::toString(d)) return std::optional(d);
                    }
                    return std::optional<run::Decoding>();
                };
                const auto from = decodingOf(previous);
                const auto to = decodingOf(now);
                previous = now;
                if (loading_ || !from || !to) return;
                const auto carry = [](QLineEdit* edit, double oldDefault, double newDefault) {
                    bool ok = false;
                    const double value = edit->text().toDouble(&ok);
                    if (ok && value == oldDefault) edit->setText(QString::number(newDefault));
                };
                carry(penalty, run::defaultLengthPenalty(*from), run::defaultLengthPenalty(*to));
                carry(temperature, run::defaultTemperature(*from), run::defaultTemperature(*to));
            });
    addLine(f, tr("Guidance γ"), "evaluation.guidance", Kind::Number,
            tr("D3's SASRec guidance in [0, 1]; 1 = none (the paper's D3 row)"), true);
    addLine(f, tr("Validation rows"), "evaluation.rows", Kind::Number,
            tr("Rows ranked per evaluation (a fixed seeded subset); 0 = all"), true);
    addCheck(f, tr("Test at the end"), "evaluation.test",
             tr("Rank the test split with the best checkpoint when training ends"), true);
    addLine(f, tr("Samples"), "evaluation.samples", Kind::Number,
            tr("Samples drawn for distribution fitting; 0 = the tuning-set size"), true);
    addLine(f, tr("Seed"), "seed", Kind::Number,
            tr("Seeds data order, sampling and initialisation"));
    v->addStretch(1);
    return page;
}

const ExperimentForm::Field* ExperimentForm::field(const QString& path) const {
    for (const auto& f : fields_) {
        if (f.path == path) return &f;
    }
    return nullptr;
}

QWidget* ExperimentForm::editor(const QString& path) const {
    if (const Field* f = field(path)) {
        return f->editor;
    }
    return findChild<QWidget*>(QStringLiteral("field:") + path);
}

QLabel* ExperimentForm::errorLabel(const QString& path) const {
    const Field* f = field(path);
    return f ? f->error : nullptr;
}

void ExperimentForm::setAdvancedVisible(bool visible) {
    if (advanced_->isChecked() != visible) {
        advanced_->setChecked(visible);  // comes back here through toggled
        return;
    }
    for (const auto& f : fields_) {
        if (f.advanced) {
            // Keep a row with an error visible even when folded.
            f.form->setRowVisible(f.row, visible || !f.error->isHidden());
        }
    }
}

QString ExperimentForm::datasetText() const {
    if (datasetMode_->currentData().toString() != "synthetic") {
        return datasetFolder_->text().trimmed();
    }
    // Keep the loaded spec's key order, so an unchanged spec reads back verbatim.
    QStringList order = syntheticOrder_;
    for (const auto& [key, edit] : synthetic_) {
        if (!order.contains(key)) order << key;
    }
    QStringList parts;
    for (const QString& key : order) {
        for (const auto& [k, edit] : synthetic_) {
            if (k == key && !edit->text().trimmed().isEmpty()) {
                parts << key + QLatin1Char('=') + edit->text().trimmed();
            }
        }
    }
    return QStringLiteral("synthetic:") + parts.join(QLatin1Char(','));
}

void ExperimentForm::setDatasetText(const QString& text) {
    const bool synthetic = text.startsWith(QLatin1String("synthetic:"));
    datasetMode_->setCurrentIndex(synthetic ? 0 : 1);
    syntheticBox_->setVisible(synthetic);
    folderBox_->setVisible(!synthetic);
    syntheticOrder_.clear();
    for (const auto& [key, edit] : synthetic_) edit->clear();
    if (!synthetic) {
        datasetFolder_->setText(text);
        return;
    }
    datasetFolder_->clear();
    for (const QString& part : text.mid(10).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString key = part.section(QLatin1Char('='), 0, 0);
        const QString value = part.section(QLatin1Char('='), 1);
        for (const auto& [k, edit] : synthetic_) {
            if (k == key) {
                edit->setText(value);
                syntheticOrder_ << key;
            }
        }
    }
}

nlohmann::json ExperimentForm::fieldsJson() const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : fields_) {
        nlohmann::json value;
        if (f.path == QLatin1String("dataset")) {
            value = datasetText().toStdString();
        } else if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
            switch (f.kind) {
                case Kind::Number:
                    value = parseNumber(line->text(), f.path == QLatin1String("lambda"));
                    break;
                case Kind::List: value = parseList(line->text()); break;
                default: value = line->text().toStdString();
            }
        } else if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
            value = (combo->isEditable() ? combo->currentText() : combo->currentData().toString())
                        .toStdString();
        } else if (auto* check = qobject_cast<QCheckBox*>(f.editor)) {
            value = check->isChecked();
        }
        j[nlohmann::json::json_pointer("/" + QString(f.path).replace('.', '/').toStdString())] =
            value;
    }
    return j;
}

void ExperimentForm::setFields(const nlohmann::json& resolved) {
    loading_ = true;
    for (const auto& f : fields_) {
        const auto ptr =
            nlohmann::json::json_pointer("/" + QString(f.path).replace('.', '/').toStdString());
        const nlohmann::json v = resolved.contains(ptr) ? resolved.at(ptr) : nlohmann::json();
        if (f.path == QLatin1String("dataset")) {
            setDatasetText(v.is_string() ? QString::fromStdString(v.get<std::string>())
                                         : numberText(v));
        } else if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
            line->setText(f.kind == Kind::List ? listText(v)
                          : f.kind == Kind::Number ? numberText(v)
                                                   : QString::fromStdString(v.is_string()
                                                                                ? v.get<std::string>()
                                                                                : std::string()));
            line->setCursorPosition(0);  // long values (descriptions, paths) show their start
        } else if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
            const QString text = QString::fromStdString(v.is_string() ? v.get<std::string>() : "");
            if (combo->isEditable()) {
                combo->setCurrentText(text);
            } else {
                int i = combo->findData(text);
                if (i < 0) {
                    combo->addItem(text, text);
                    i = combo->count() - 1;
                }
                combo->setCurrentIndex(i);
            }
        } else if (auto* check = qobject_cast<QCheckBox*>(f.editor)) {
            check->setChecked(v.is_boolean() && v.get<bool>());
        }
    }
    loading_ = false;
    updateLambdaExtras();
    updateModelInfo();
    validate();
}

void ExperimentForm::setConfig(const run::ExperimentConfig& config) {
    setFields(config.toJson());
}

void ExperimentForm::loadFile(const QString& file, const std::vector<std::string>& overrides) {
    try {
        const auto config = run::ExperimentConfig::load(file.toStdString(), overrides);
        file_ = file;
        loadError_.clear();
        setConfig(config);
        return;
    } catch (const Error& e) {
        // An invalid value: load what the file says anyway, so the user can correct it here.
        // A file that cannot be read or merged (not JSON, a broken "extends") has nothing to load.
        nlohmann::json merged;
        try {
            merged = run::ExperimentConfig::resolveJson(file.toStdString(), overrides);
        } catch (const std::exception&) {
            throw e;
        }
        nlohmann::json fields = run::ExperimentConfig{}.toJson();
        if (const auto theta = merged.find("theta"); theta != merged.end()) {
            // The form edits λ; a valid θ becomes λ = 1/θ − 1, anything else shows in λ as is.
            if (theta->is_number() && theta->get<double>() > 0 && theta->get<double>() <= 1) {
                merged["lambda"] = 1.0 / theta->get<double>() - 1.0;
            } else if (theta->is_number() && theta->get<double>() == 0) {
                merged["lambda"] = "inf";
            } else {
                merged["lambda"] = *theta;
            }
            merged.erase("theta");
        }
        fields.merge_patch(merged);  // objects key by key; unknown keys have no field and drop
        file_ = file;
        loadError_ = QString::fromUtf8(e.what());
        loadErrorField_ = QString::fromStdString(e.where().field);
        loadErrorDetail_ = QString::fromStdString(e.detail());
        loadErrorPending_ = true;  // the validation at the end of setFields keeps it
        setFields(fields);
    }
}

void ExperimentForm::saveFile(const QString& file) const {
    if (!config_) {
        throw Error(error_.toStdString());
    }
    const std::string text = config_->toJson().dump(2) + "\n";
    const std::string tmp = file.toStdString() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) {
            throw Error({file.toStdString(), 0, ""}, "cannot write the experiment file");
        }
    }
    // Nothing half-written: the file appears whole or not at all.
    if (std::rename(tmp.c_str(), file.toStdString().c_str()) != 0) {
        throw Error({file.toStdString(), 0, ""}, "cannot write the experiment file");
    }
}

void ExperimentForm::updateLambdaExtras() {
    const Field* f = field(QStringLiteral("lambda"));
    if (!f) return;
    const QString text = static_cast<QLineEdit*>(f->editor)->text().trimmed();
    bool ok = false;
    double lambda = text.toDouble(&ok);
    if (text == QLatin1String("inf") || text == QStringLiteral("∞")) {
        lambda = INFINITY;
        ok = true;
    }
    if (!ok || !(lambda >= 0)) {
        thetaLabel_->setText(QStringLiteral("θ = 1/(1+λ) = ?"));
        return;
    }
    thetaLabel_->setText(QStringLiteral("θ = 1/(1+λ) = %1")
                             .arg(std::isinf(lambda) ? QStringLiteral("0")
                                                     : QString::number(1.0 / (1.0 + lambda), 'g', 6)));
    const bool was = lambdaSlider_->blockSignals(true);
    lambdaSlider_->setValue(std::isinf(lambda) ? kLambdaInf
                            : lambda <= 0      ? kLambdaMin
                                               : std::clamp(static_cast<int>(std::lround(
                                                                std::log10(lambda) * 100)),
                                                            kLambdaMin, kLambdaMax));
    lambdaSlider_->blockSignals(was);
}

void ExperimentForm::updateModelInfo() {
    const Field* f = field(QStringLiteral("model"));
    if (!f || !modelInfo_) return;
    const std::string name = static_cast<QComboBox*>(f->editor)->currentText().trimmed().toStdString();
    std::optional<model::Qwen2Config> config;
    QString note;
    try {
        if (run::isModelPreset(name)) {
            config = model::qwen2Preset(name, kPresetVocabularyEstimate);
            note = tr(" (over a compact vocabulary of ~%1 ids; the corpus decides)")
                       .arg(kPresetVocabularyEstimate);
        } else {
            const auto dir = run::resolveModelDir(name);
            std::ifstream in(dir / "config.json");
            config = model::Qwen2Config::fromJson(nlohmann::json::parse(in),
                                                  (dir / "config.json").string());
        }
    } catch (const std::exception& e) {
        modelInfo_->setText(tr("<i>%1</i>").arg(QString::fromUtf8(e.what()).toHtmlEscaped()));
        return;
    }
    const double params = static_cast<double>(parameterCount(*config));
    // Weights, gradients and AdamW's two moments in fp32 (bf16 keeps fp32 masters: the same).
    const double bytes = params * 16.0;
    modelInfo_->setText(tr("%1 parameters%2 · training state ≈ %3 (weights, gradients, AdamW) "
                           "plus activations · %4 layers, width %5")
                            .arg(humanCount(params), note, humanBytes(bytes))
                            .arg(config->numHiddenLayers)
                            .arg(config->hiddenSize));
}

void ExperimentForm::validate() {
    if (loading_) return;
    // The error of a loaded file holds until the user's first edit after loading it.
    if (loadErrorPending_) {
        loadErrorPending_ = false;
    } else {
        loadError_.clear();
    }
    const bool wasValid = config_.has_value();
    QString message;
    QString fieldPath;
    QString detail;
    try {
        config_ = run::ExperimentConfig::fromJson(fieldsJson(), kErrorSource);
    } catch (const Error& e) {
        config_.reset();
        message = QString::fromUtf8(e.what());
        fieldPath = QString::fromStdString(e.where().field);
        detail = QString::fromStdString(e.detail());
    } catch (const std::exception& e) {
        config_.reset();
        message = QString::fromUtf8(e.what());
    }
    if (!loadError_.isEmpty()) {
        // The file's own message names the file and the field; when the form's values are
        // valid anyway (the file's problem was a key the form has no field for), say so.
        const bool sameField = fieldPath == loadErrorField_;
        if (message.isEmpty()) {
            message = loadError_ + tr("\nThe form holds the file's other values; the value above "
                                      "was not loaded. Change any field to continue.");
        } else if (!sameField) {
            message = loadError_ + QLatin1Char('\n') + message;
        } else {
            message = loadError_;
        }
        if (fieldPath.isEmpty() || sameField) {
            fieldPath = loadErrorField_;
            detail = loadErrorDetail_;
        }
        config_.reset();
    }
    error_ = message;
    errorField_ = fieldPath;
    for (auto& f : fields_) {
        const bool shown = !config_ && f.path == fieldPath;
        if (shown) f.error->setText(detail);
        f.error->setVisible(shown);
    }
    setAdvancedVisible(advanced_->isChecked());
    banner_->setText(message);
    banner_->setVisible(!message.isEmpty());
    run_->setEnabled(config_.has_value());
    queue_->setEnabled(config_.has_value());
    if (config_) {
        const std::string json = config_->toJson().dump(2);
        resolved_->setPlainText(QString::fromStdString(json));
        // An empty "Table row" shows the row the paper table derives, so the default is visible.
        for (const auto& f : fields_) {
            if (f.path != QLatin1String("table_row")) continue;
            if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
                const std::string row = store::paperRowLabel(json, run::toString(config_->method));
                line->setPlaceholderText(tr("from the config: %1").arg(QString::fromStdString(row)));
            }
        }
    } else if (!loadError_.isEmpty()) {
        resolved_->setPlainText(tr("(not valid: %1)").arg(loadError_));
    }
    if (wasValid != config_.has_value()) {
        Q_EMIT validityChanged(config_.has_value());
    }
}

}  // namespace flower::widgets
