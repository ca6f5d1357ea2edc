#include "widgets/sweep_editor.h"

#include "core/run/sweep_config.h"
#include "core/store/store_location.h"
#include "core/train/sweep_queue.h"
#include "core/util/error.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <fstream>

namespace flower::widgets {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

enum AxisColumn { FieldColumn, KindColumn, ValuesColumn, ModeColumn, RemoveColumn, AxisColumns };
constexpr int kPreviewLimit = 1000;  // points fully validated in the preview

// "0.01, 0.1, flow" → [0.01, 0.1, "flow"]: each item as JSON where it parses, else as text.
ordered_json listOf(const QString& text) {
    ordered_json list = ordered_json::array();
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const std::string item = part.trimmed().toStdString();
        if (item.empty()) continue;
        const auto parsed = ordered_json::parse(item, nullptr, /*allow_exceptions=*/false);
        list.push_back(parsed.is_discarded() ? ordered_json(item) : parsed);
    }
    return list;
}

void writeText(const fs::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    if (!out) throw Error({file.string(), 0, ""}, "cannot write the file");
}

}  // namespace

SweepEditor::SweepEditor(const run::ExperimentConfig& base, const QString& storeFile, QWidget* parent)
    : QDialog(parent), storeFile_(storeFile), name_(new QLineEdit(this)),
      axes_(new QTableWidget(0, AxisColumns, this)), preview_(new QTableWidget(this)),
      message_(new QLabel(this)), queue_(new QPushButton(this)) {
    setObjectName(QStringLiteral("sweepEditor"));
    setWindowTitle(tr("New sweep from “%1”").arg(QString::fromStdString(base.name)));
    // The preview resolves every point against a file, as `flower sweep` does.
    baseFile_ = scratch_.filePath(QStringLiteral("base.json"));
    try {
        writeText(baseFile_.toStdString(), base.toJson().dump(2));
    } catch (const std::exception& e) {
        error_ = QString::fromUtf8(e.what());
    }
    name_->setObjectName(QStringLiteral("sweepName"));
    name_->setText(QString::fromStdString(base.name) + QStringLiteral("-sweep"));
    name_->setToolTip(tr("Runs are named <sweep>/lambda=0.1,seed=2"));

    axes_->setObjectName(QStringLiteral("sweepAxes"));
    axes_->setHorizontalHeaderLabels({tr("Field"), tr("Values as"), tr("Values"), tr("Mode"), QString()});
    axes_->horizontalHeader()->setSectionResizeMode(ValuesColumn, QHeaderView::Stretch);
    axes_->verticalHeader()->hide();
    axes_->setColumnWidth(FieldColumn, fontMetrics().horizontalAdvance(QStringLiteral("reward.granularity")) + 48);
    axes_->setColumnWidth(KindColumn, fontMetrics().horizontalAdvance(QStringLiteral("logspace")) + 48);
    axes_->setColumnWidth(ModeColumn, fontMetrics().horizontalAdvance(QStringLiteral("grid")) + 48);
    axes_->setColumnWidth(RemoveColumn, 32);
    axes_->setMinimumHeight(4 * (fontMetrics().height() + 14));

    preview_->setObjectName(QStringLiteral("sweepPreview"));
    preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    preview_->verticalHeader()->hide();
    preview_->horizontalHeader()->setStretchLastSection(true);
    preview_->setAlternatingRowColors(true);

    message_->setObjectName(QStringLiteral("sweepMessage"));
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    queue_->setObjectName(QStringLiteral("queueSweep"));

    auto* add = new QPushButton(tr("Add field"), this);
    add->setObjectName(QStringLiteral("addAxis"));
    auto* load = new QPushButton(tr("Load…"), this);
    auto* save = new QPushButton(tr("Save…"), this);
    auto* close = new QPushButton(tr("Close"), this);
    connect(add, &QPushButton::clicked, this, [this] { addRow(); });
    connect(load, &QPushButton::clicked, this, &SweepEditor::chooseAndLoad);
    connect(save, &QPushButton::clicked, this, &SweepEditor::chooseAndSave);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(queue_, &QPushButton::clicked, this, [this] { queueSweep(); });
    connect(name_, &QLineEdit::textChanged, this, [this] { updatePreview(); });

    auto* help = new QLabel(tr("Each row varies one field of the experiment. <b>grid</b> rows "
                               "multiply (last row fastest); <b>zip</b> rows go side by side and "
                               "need equal lengths. Values: a list <i>0.01, 0.1</i>, linspace "
                               "<i>start, stop, n</i> or logspace <i>a, b, n</i> (10^a … 10^b)."),
                            this);
    help->setWordWrap(true);
    auto* form = new QFormLayout;
    form->addRow(tr("Sweep name"), name_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addStretch();
    buttons->addWidget(load);
    buttons->addWidget(save);
    buttons->addWidget(queue_);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(help);
    layout->addWidget(axes_, 2);
    layout->addWidget(new QLabel(tr("Resolved experiments"), this));
    layout->addWidget(preview_, 3);
    layout->addWidget(message_);
    layout->addLayout(buttons);
    resize(900, 640);
    updatePreview();
}

void SweepEditor::addRow() {
    const int row = axes_->rowCount();
    axes_->insertRow(row);
    auto* field = new QComboBox(axes_);
    field->setEditable(true);  // free text: the core says whether the key exists
    for (const auto& key : run::experimentKeys()) field->addItem(QString::fromStdString(key));
    field->setCurrentText(QString());
    auto* kind = new QComboBox(axes_);
    kind->addItems({tr("list"), tr("linspace"), tr("logspace")});
    auto* values = new QLineEdit(axes_);
    values->setPlaceholderText(tr("0.01, 0.1   ·   linspace/logspace: start, stop, n"));
    auto* mode = new QComboBox(axes_);
    mode->addItems({QStringLiteral("grid"), QStringLiteral("zip")});
    auto* remove = new QToolButton(axes_);
    remove->setText(QStringLiteral("✕"));
    remove->setToolTip(tr("Remove this field"));
    axes_->setCellWidget(row, FieldColumn, field);
    axes_->setCellWidget(row, KindColumn, kind);
    axes_->setCellWidget(row, ValuesColumn, values);
    axes_->setCellWidget(row, ModeColumn, mode);
    axes_->setCellWidget(row, RemoveColumn, remove);
    connect(field, &QComboBox::currentTextChanged, this, [this] { updatePreview(); });
    connect(kind, &QComboBox::currentIndexChanged, this, [this] { updatePreview(); });
    connect(values, &QLineEdit::textChanged, this, [this] { updatePreview(); });
    connect(mode, &QComboBox::currentIndexChanged, this, [this] { updatePreview(); });
    connect(remove, &QToolButton::clicked, this, [this, remove] {
        for (int r = 0; r < axes_->rowCount(); ++r) {
            if (axes_->cellWidget(r, RemoveColumn) == remove) {
                axes_->removeRow(r);
                break;
            }
        }
        updatePreview();
    });
}

void SweepEditor::addAxis(const QString& key, Values kind, const QString& values, bool zip) {
    loading_ = true;
    addRow();
    const int row = axes_->rowCount() - 1;
    static_cast<QComboBox*>(axes_->cellWidget(row, FieldColumn))->setCurrentText(key);
    static_cast<QComboBox*>(axes_->cellWidget(row, KindColumn))->setCurrentIndex(static_cast<int>(kind));
    static_cast<QLineEdit*>(axes_->cellWidget(row, ValuesColumn))->setText(values);
    static_cast<QComboBox*>(axes_->cellWidget(row, ModeColumn))->setCurrentIndex(zip ? 1 : 0);
    loading_ = false;
    updatePreview();
}

void SweepEditor::setSweepName(const QString& name) { name_->setText(name); }

QString SweepEditor::sweepJson() const {
    ordered_json j;
    j["name"] = name_->text().trimmed().toStdString();
    j["experiment"] = baseFile_.toStdString();
    ordered_json grid = ordered_json::object();
    ordered_json zip = ordered_json::object();
    for (int r = 0; r < axes_->rowCount(); ++r) {
        const QString key = static_cast<QComboBox*>(axes_->cellWidget(r, FieldColumn))->currentText().trimmed();
        const int kind = static_cast<QComboBox*>(axes_->cellWidget(r, KindColumn))->currentIndex();
        const QString text = static_cast<QLineEdit*>(axes_->cellWidget(r, ValuesColumn))->text();
        const bool isZip = static_cast<QComboBox*>(axes_->cellWidget(r, ModeColumn))->currentIndex() == 1;
        if (key.isEmpty()) continue;  // a row being filled in
        ordered_json values = listOf(text);
        if (kind == static_cast<int>(Values::Linspace)) values = {{"linspace", values}};
        if (kind == static_cast<int>(Values::Logspace)) values = {{"logspace", values}};
        (isZip ? zip : grid)[key.toStdString()] = values;
    }
    if (!grid.empty()) j["grid"] = grid;
    if (!zip.empty()) j["zip"] = zip;
    return QString::fromStdString(j.dump(2));
}

void SweepEditor::updatePreview() {
    if (loading_) return;
    preview_->clear();
    preview_->setRowCount(0);
    points_ = 0;
    error_.clear();
    try {
        const auto sweep = run::SweepConfig::parse(sweepJson().toStdString(),
                                                   fs::path(baseFile_.toStdString()).parent_path(),
                                                   "sweep editor", "sweep");
        const auto keys = sweep.variedKeys();
        const auto points = sweep.points();
        if (points.size() <= static_cast<std::size_t>(kPreviewLimit)) sweep.expand();  // validates
        QStringList headers{tr("#")};
        for (const auto& k : keys) headers << QString::fromStdString(k);
        headers << tr("Run name");
        preview_->setColumnCount(static_cast<int>(headers.size()));
        preview_->setHorizontalHeaderLabels(headers);
        preview_->setRowCount(static_cast<int>(points.size()));
        for (int r = 0; r < static_cast<int>(points.size()); ++r) {
            preview_->setItem(r, 0, new QTableWidgetItem(QString::number(r + 1)));
            for (std::size_t k = 0; k < keys.size(); ++k) {
                preview_->setItem(r, static_cast<int>(k) + 1,
                                  new QTableWidgetItem(QString::fromStdString(
                                      run::displayValue(points[r][k].second))));
            }
            preview_->setItem(r, static_cast<int>(keys.size()) + 1,
                              new QTableWidgetItem(QString::fromStdString(
                                  run::sweepRunName(sweep.name, points[r]))));
        }
        preview_->resizeColumnsToContents();
        points_ = static_cast<int>(points.size());
    } catch (const std::exception& e) {
        error_ = QString::fromUtf8(e.what());
    }
    const bool ok = error_.isEmpty() && points_ > 0;
    const QString sweepName = name_->text().trimmed();
    message_->setText(!ok ? error_
                          : points_ == 1 ? tr("1 experiment; its run is named “%1/…”.").arg(sweepName)
                                         : tr("%1 experiments; runs named “%2/…”.").arg(points_).arg(sweepName));
    message_->setStyleSheet(ok ? QString() : QStringLiteral("color: #b00020;"));
    queue_->setText(points_ == 1 ? tr("Queue 1 run") : tr("Queue %1 runs").arg(points_));
    queue_->setEnabled(ok && !storeFile_.isEmpty());
    if (ok && storeFile_.isEmpty()) queue_->setToolTip(tr("Open a run store first (File ▸ Open store)"));
}

std::int64_t SweepEditor::queueSweep() {
    try {
        // The sweep's folder beside the store: what `flower sweep` and a Slurm array read.
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        const fs::path folder = fs::path(storeFile_.toStdString()).parent_path() / "sweeps" /
                                (name_->text().trimmed().toStdString() + "-" + stamp.toStdString());
        fs::create_directories(folder);
        fs::copy_file(baseFile_.toStdString(), folder / "base.json", fs::copy_options::overwrite_existing);
        auto j = ordered_json::parse(sweepJson().toStdString());
        j["experiment"] = "base.json";
        writeText(folder / "sweep.json", j.dump(2));
        const auto sweep = run::SweepConfig::load(folder / "sweep.json");
        const auto queued = train::queueSweep(storeFile_.toStdString(), sweep, sweep.expand(),
                                              (folder / "sweep.json").string());
        QList<qint64> ids;
        for (const auto id : queued.runIds) ids << id;
        message_->setText(tr("Queued sweep %1: %2 runs (folder %3)")
                              .arg(queued.sweepId)
                              .arg(ids.size())
                              .arg(QString::fromStdString(folder.string())));
        Q_EMIT sweepQueued(queued.sweepId, ids);
        return queued.sweepId;
    } catch (const std::exception& e) {
        error_ = QString::fromUtf8(e.what());
        message_->setText(error_);
        message_->setStyleSheet(QStringLiteral("color: #b00020;"));
        return 0;
    }
}

void SweepEditor::loadSweepFile(const QString& file) {
    try {
        const auto sweep = run::SweepConfig::load(file.toStdString());
        error_.clear();
        loading_ = true;
        axes_->setRowCount(0);
        baseFile_ = QString::fromStdString(sweep.experiment.string());
        name_->setText(QString::fromStdString(sweep.name));
        loading_ = false;
        for (const auto* axes : {&sweep.grid, &sweep.zip}) {
            for (const auto& axis : *axes) {
                QStringList values;
                for (const auto& v : axis.values) values << QString::fromStdString(v);
                addAxis(QString::fromStdString(axis.key), Values::List, values.join(QStringLiteral(", ")),
                        axes == &sweep.zip);
            }
        }
        setWindowTitle(tr("Sweep %1").arg(QFileInfo(file).fileName()));
    } catch (const std::exception& e) {
        loading_ = false;
        error_ = QString::fromUtf8(e.what());
    }
    updatePreview();
}

void SweepEditor::saveSweepFile(const QString& file) const {
    auto j = ordered_json::parse(sweepJson().toStdString());
    if (baseFile_.startsWith(scratch_.path())) {
        // The form's experiment lives in a scratch folder: save it beside the sweep file.
        const QFileInfo info(file);
        const QString base = info.completeBaseName() + QStringLiteral(".base.json");
        fs::copy_file(baseFile_.toStdString(), (info.absoluteDir().filePath(base)).toStdString(),
                      fs::copy_options::overwrite_existing);
        j["experiment"] = base.toStdString();
    }
    writeText(file.toStdString(), j.dump(2));
}

void SweepEditor::chooseAndLoad() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Load sweep"), QString(),
                                                      tr("Sweep files (*.json)"));
    if (!file.isEmpty()) loadSweepFile(file);
}

void SweepEditor::chooseAndSave() {
    const QString file = QFileDialog::getSaveFileName(this, tr("Save sweep"), name_->text() + ".json",
                                                      tr("Sweep files (*.json)"));
    if (file.isEmpty()) return;
    try {
        saveSweepFile(file);
    } catch (const std::exception& e) {
        message_->setText(QString::fromUtf8(e.what()));
    }
}

}  // namespace flower::widgets
