#include "widgets/export_dialog.h"

#include "core/store/run_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <exception>
#include <fstream>

namespace flower::widgets {

namespace {

constexpr double kMmPerInch = 25.4;
const QString kPlots = QStringLiteral("export/plots/");
const QString kSeries = QStringLiteral("export/series/");

QString rangeText(const store::SeriesRange& r) {
    switch (r.axis) {
        case store::SeriesAxis::Step:
            return QObject::tr("steps %1 to %2").arg(qRound64(std::ceil(r.lower))).arg(qRound64(std::floor(r.upper)));
        case store::SeriesAxis::Epoch:
            return QObject::tr("epochs %1 to %2").arg(r.lower, 0, 'f', 2).arg(r.upper, 0, 'f', 2);
        case store::SeriesAxis::WallTime: break;
    }
    return QObject::tr("the zoomed time span (%1 s)").arg(r.upper - r.lower, 0, 'f', 0);
}

QString defaultFolder() {
    const QString folder = QSettings().value("export/folder").toString();
    return folder.isEmpty() || !QFileInfo(folder).isDir() ? QDir::homePath() : folder;
}

}  // namespace

ExportDialog::ExportDialog(const ExportablePlots& plots, const QString& title, QWidget* parent)
    : QDialog(parent), mode_(Mode::Plots), plots_(plots), title_(title) {
    setObjectName("exportPlotsDialog");
    setWindowTitle(title.isEmpty() ? tr("Export plots") : tr("Export plots — %1").arg(title));
    buildPlots();
    restore();
    updateState();
}

ExportDialog::ExportDialog(const QString& storeFile, const QList<qint64>& runs,
                           const std::optional<store::SeriesRange>& zoomed, QWidget* parent)
    : QDialog(parent), mode_(Mode::Series), storeFile_(storeFile), runs_(runs), zoomed_(zoomed) {
    setObjectName("exportSeriesDialog");
    setWindowTitle(tr("Export series"));
    buildSeries();
    restore();
    updateState();
}

QWidget* ExportDialog::buildFileRow() {
    auto* row = new QWidget(this);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    file_ = new QLineEdit(row);
    file_->setObjectName("exportFile");
    file_->setMinimumWidth(360);
    auto* browse = new QPushButton(tr("Browse…"), row);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    h->addWidget(file_, 1);
    h->addWidget(browse);
    connect(file_, &QLineEdit::textChanged, this, &ExportDialog::updateState);
    return row;
}

void ExportDialog::buildPlots() {
    auto* layout = new QVBoxLayout(this);
    auto* which = new QGroupBox(tr("Plots"), this);
    auto* whichLayout = new QVBoxLayout(which);
    plotList_ = new QListWidget(which);
    plotList_->setObjectName("exportPlotList");
    for (const auto& p : plots_) {
        auto* item = new QListWidgetItem(p.name, plotList_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
    plotList_->setMinimumHeight(150);
    auto* buttons = new QHBoxLayout;
    auto* all = new QPushButton(tr("All"), which);
    auto* none = new QPushButton(tr("None"), which);
    const auto setAll = [this](Qt::CheckState state) {
        for (int i = 0; i < plotList_->count(); ++i) plotList_->item(i)->setCheckState(state);
    };
    connect(all, &QPushButton::clicked, this, [setAll] { setAll(Qt::Checked); });
    connect(none, &QPushButton::clicked, this, [setAll] { setAll(Qt::Unchecked); });
    buttons->addWidget(all);
    buttons->addWidget(none);
    buttons->addStretch(1);
    whichLayout->addWidget(plotList_);
    whichLayout->addLayout(buttons);
    connect(plotList_, &QListWidget::itemChanged, this, &ExportDialog::updateState);
    layout->addWidget(which, 1);

    auto* form = new QFormLayout;
    format_ = new QComboBox(this);
    format_->setObjectName("exportFormat");
    format_->addItem(tr("PDF (vector, pages)"), "pdf");
    format_->addItem(tr("SVG (vector)"), "svg");
    format_->addItem(tr("PNG (image)"), "png");
    form->addRow(tr("Format"), format_);

    auto* size = new QHBoxLayout;
    width_ = new QDoubleSpinBox(this);
    width_->setObjectName("exportWidth");
    height_ = new QDoubleSpinBox(this);
    height_->setObjectName("exportHeight");
    for (QDoubleSpinBox* s : {width_, height_}) {
        s->setRange(1, 20000);
        s->setDecimals(1);
    }
    unit_ = new QComboBox(this);
    unit_->setObjectName("exportUnit");
    unit_->addItem(tr("mm"), "mm");
    unit_->addItem(tr("px"), "px");
    dpi_ = new QSpinBox(this);
    dpi_->setObjectName("exportDpi");
    dpi_->setRange(36, 2400);
    dpi_->setSuffix(tr(" dpi"));
    size->addWidget(width_);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(height_);
    size->addWidget(unit_);
    size->addSpacing(12);
    size->addWidget(dpi_);
    size->addStretch(1);
    form->addRow(tr("Size"), size);
    auto* sizeNote = new QLabel(tr("Text keeps its point size: a larger page holds more of the "
                                   "plot, a higher DPI gives a sharper PNG (PDF and SVG are vectors)."),
                                this);
    sizeNote->setWordWrap(true);
    sizeNote->setEnabled(false);
    form->addRow(QString(), sizeNote);

    print_ = new QCheckBox(tr("light colours on white (for print), also in a dark theme"), this);
    print_->setObjectName("exportPrintColours");
    form->addRow(tr("Colours"), print_);

    auto* pagesRow = new QHBoxLayout;
    pages_ = new QRadioButton(tr("one PDF, one page per plot"), this);
    pages_->setObjectName("exportPages");
    perPlot_ = new QRadioButton(tr("one file per plot"), this);
    perPlot_->setObjectName("exportPerPlot");
    pagesRow->addWidget(pages_);
    pagesRow->addWidget(perPlot_);
    pagesRow->addStretch(1);
    form->addRow(tr("Several plots"), pagesRow);
    form->addRow(tr("File"), buildFileRow());
    layout->addLayout(form);

    for (QComboBox* c : {format_, unit_}) {
        connect(c, &QComboBox::currentIndexChanged, this, &ExportDialog::updateState);
    }
    connect(unit_, &QComboBox::currentIndexChanged, this, &ExportDialog::unitChanged);
    connect(pages_, &QRadioButton::toggled, this, &ExportDialog::updateState);
    connect(width_, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updateState);
    connect(height_, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updateState);
    connect(dpi_, &QSpinBox::valueChanged, this, &ExportDialog::updateState);

    targets_ = new QLabel(this);
    targets_->setObjectName("exportTargets");
    targets_->setWordWrap(true);
    targets_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(targets_);
    error_ = new QLabel(this);
    error_->setStyleSheet("QLabel { color: #c62828; }");
    error_->setWordWrap(true);
    error_->hide();
    layout->addWidget(error_);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    box->button(QDialogButtonBox::Save)->setText(tr("Export"));
    connect(box, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    layout->addWidget(box);
}

void ExportDialog::buildSeries() {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    QStringList ids;
    for (qint64 id : runs_) ids << QString::number(id);
    auto* runs = new QLabel(runs_.isEmpty() ? tr("no run")
                            : runs_.size() == 1 ? tr("run %1").arg(ids.front())
                                              : tr("%1 runs: %2").arg(runs_.size()).arg(ids.join(", ")),
                            this);
    runs->setObjectName("exportRuns");
    runs->setWordWrap(true);
    form->addRow(tr("Runs"), runs);
    format_ = new QComboBox(this);
    format_->setObjectName("exportFormat");
    format_->addItem(tr("CSV (one row per point: run, key, step, epoch, wall_time, value)"), "csv");
    format_->addItem(tr("JSON (per run and series: columns step, epoch, wall_time, value)"), "json");
    form->addRow(tr("Format"), format_);
    allPoints_ = new QRadioButton(tr("every point"), this);
    allPoints_->setObjectName("exportAllPoints");
    zoomedPoints_ = new QRadioButton(zoomed_ ? tr("only the zoomed x range (%1)").arg(rangeText(*zoomed_))
                                             : tr("only the zoomed x range (no plot is zoomed)"),
                                     this);
    zoomedPoints_->setObjectName("exportZoomedPoints");
    zoomedPoints_->setEnabled(zoomed_.has_value());
    auto* points = new QVBoxLayout;
    points->addWidget(allPoints_);
    points->addWidget(zoomedPoints_);
    form->addRow(tr("Points"), points);
    form->addRow(tr("File"), buildFileRow());
    layout->addLayout(form);
    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::updateState);
    targets_ = new QLabel(this);
    targets_->setObjectName("exportTargets");
    targets_->setWordWrap(true);
    layout->addWidget(targets_);
    error_ = new QLabel(this);
    error_->setStyleSheet("QLabel { color: #c62828; }");
    error_->setWordWrap(true);
    error_->hide();
    layout->addWidget(error_);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    box->button(QDialogButtonBox::Save)->setText(tr("Export"));
    connect(box, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    layout->addWidget(box);
}

void ExportDialog::restore() {
    QSettings s;
    const QString folder = defaultFolder();
    if (mode_ == Mode::Plots) {
        format_->setCurrentIndex(std::max(0, format_->findData(s.value(kPlots + "format", "pdf").toString())));
        const bool px = s.value(kPlots + "unit", "mm").toString() == "px";
        unit_->blockSignals(true);
        unit_->setCurrentIndex(px ? 1 : 0);
        unit_->blockSignals(false);
        unitShown_ = unit_->currentIndex();
        width_->setValue(s.value(kPlots + "width", px ? 1600.0 : 160.0).toDouble());
        height_->setValue(s.value(kPlots + "height", px ? 1000.0 : 100.0).toDouble());
        dpi_->setValue(s.value(kPlots + "dpi", 300).toInt());
        (s.value(kPlots + "onePerPlot", false).toBool() ? perPlot_ : pages_)->setChecked(true);
        print_->setChecked(s.value(kPlots + "printColours", true).toBool());
        const QStringList unticked = s.value(kPlots + "unticked").toStringList();
        for (int i = 0; i < plotList_->count(); ++i) {
            if (unticked.contains(plotList_->item(i)->text())) plotList_->item(i)->setCheckState(Qt::Unchecked);
        }
        const QString name = s.value(kPlots + "name", "plots").toString();
        file_->setText(QDir(folder).filePath(name + "." + format_->currentData().toString()));
    } else {
        format_->setCurrentIndex(s.value(kSeries + "format", "csv").toString() == "json" ? 1 : 0);
        const bool zoomed = zoomed_ && s.value(kSeries + "zoomed", false).toBool();
        (zoomed ? zoomedPoints_ : allPoints_)->setChecked(true);
        const QString name = s.value(kSeries + "name", "series").toString();
        file_->setText(QDir(folder).filePath(name + "." + format_->currentData().toString()));
    }
}

void ExportDialog::remember() const {
    QSettings s;
    const QFileInfo info(file_->text());
    s.setValue("export/folder", info.absolutePath());
    if (mode_ == Mode::Plots) {
        s.setValue(kPlots + "format", format_->currentData());
        s.setValue(kPlots + "unit", unit_->currentData());
        s.setValue(kPlots + "width", width_->value());
        s.setValue(kPlots + "height", height_->value());
        s.setValue(kPlots + "dpi", dpi_->value());
        s.setValue(kPlots + "onePerPlot", perPlot_->isChecked());
        s.setValue(kPlots + "printColours", print_->isChecked());
        s.setValue(kPlots + "name", info.completeBaseName());
        // Names of plots left out, so that a later export of the same view leaves them out too
        // (plots not known then stay ticked).
        QStringList unticked = s.value(kPlots + "unticked").toStringList();
        for (int i = 0; i < plotList_->count(); ++i) {
            const QString name = plotList_->item(i)->text();
            unticked.removeAll(name);
            if (plotList_->item(i)->checkState() != Qt::Checked) unticked << name;
        }
        s.setValue(kPlots + "unticked", unticked);
    } else {
        s.setValue(kSeries + "format", format_->currentData());
        s.setValue(kSeries + "zoomed", zoomedPoints_->isChecked());
        s.setValue(kSeries + "name", info.completeBaseName());
    }
}

void ExportDialog::unitChanged() {
    // Same physical size in the other unit (pixels at the chosen DPI).
    const int shown = unit_->currentIndex();
    if (shown == unitShown_) return;
    const double factor = shown == 1 ? dpi_->value() / kMmPerInch : kMmPerInch / dpi_->value();
    width_->setValue(width_->value() * factor);
    height_->setValue(height_->value() * factor);
    unitShown_ = shown;
}

ExportablePlots ExportDialog::chosenPlots() const {
    ExportablePlots out;
    if (!plotList_) return out;
    for (int i = 0; i < plotList_->count(); ++i) {
        if (plotList_->item(i)->checkState() == Qt::Checked) out.push_back(plots_[i]);
    }
    return out;
}

PlotExportOptions ExportDialog::plotOptions() const {
    PlotExportOptions o;
    if (mode_ != Mode::Plots) return o;
    PlotExport::formatFromSuffix(format_->currentData().toString(), &o.format);
    o.unit = unit_->currentIndex() == 1 ? PlotExportOptions::Unit::Pixels : PlotExportOptions::Unit::Millimetres;
    o.size = QSizeF(width_->value(), height_->value());
    o.dpi = dpi_->value();
    o.onePerPlot = perPlot_->isChecked();
    o.printColours = print_->isChecked();
    o.title = title_;
    return o;
}

bool ExportDialog::zoomedOnly() const { return zoomedPoints_ && zoomedPoints_->isChecked(); }
bool ExportDialog::json() const { return mode_ == Mode::Series && format_->currentData().toString() == "json"; }
QString ExportDialog::file() const { return file_->text(); }
void ExportDialog::setFile(const QString& file) { file_->setText(file); }

QStringList ExportDialog::targetFiles() const {
    const QString file = file_->text().trimmed();
    if (file.isEmpty()) return {};
    if (mode_ == Mode::Plots) return PlotExport::targetFiles(chosenPlots(), file, plotOptions());
    const QString suffix = json() ? "json" : "csv";
    QString base = file;
    const QString own = QFileInfo(file).suffix().toLower();
    if (own == "csv" || own == "json") base.chop(own.size() + 1);
    return {base + "." + suffix};
}

void ExportDialog::updateState() {
    if (mode_ == Mode::Plots) {
        const bool pdf = format_->currentData().toString() == "pdf";
        pages_->setEnabled(pdf);
        if (!pdf) perPlot_->setChecked(true);
        const QSize px = plotOptions().imagePixels();
        dpi_->setToolTip(tr("PNG: %1 × %2 pixels").arg(px.width()).arg(px.height()));
    }
    const QStringList files = targetFiles();
    QStringList names;
    for (const QString& f : files) names << QFileInfo(f).fileName();
    const QString folder = files.isEmpty() ? QString() : QFileInfo(files.front()).absolutePath();
    if (files.isEmpty()) {
        targets_->setText(mode_ == Mode::Plots && chosenPlots().isEmpty() ? tr("No plot is ticked.")
                                                                          : tr("Choose a file."));
    } else if (mode_ == Mode::Plots) {
        const auto options = plotOptions();
        const QString what = options.format == PlotExportOptions::Format::Png
                                 ? tr("%1 × %2 px at %3 dpi").arg(options.imagePixels().width())
                                       .arg(options.imagePixels().height()).arg(options.dpi)
                                 : tr("%1 × %2 mm").arg(options.inches().width() * kMmPerInch, 0, 'f', 0)
                                       .arg(options.inches().height() * kMmPerInch, 0, 'f', 0);
        const auto plots = chosenPlots().size();
        const QString count = plots == 1 ? tr("1 plot") : tr("%1 plots").arg(plots);
        const QString pages = files.size() == 1 && plots > 1 ? tr(", one page each") : QString();
        targets_->setText(tr("Writes %1 (%2%3, %4) in %5").arg(names.join(", "), count, pages, what, folder));
    } else {
        targets_->setText(tr("Writes %1 in %2").arg(names.join(", "), folder));
    }
}

void ExportDialog::browse() {
    const QString suffix = mode_ == Mode::Plots ? format_->currentData().toString() : (json() ? "json" : "csv");
    const QString chosen = QFileDialog::getSaveFileName(this, windowTitle(), file_->text(),
                                                        tr("%1 (*.%2)").arg(suffix.toUpper(), suffix));
    if (!chosen.isEmpty()) file_->setText(chosen);
}

QString ExportDialog::write(QStringList* written) {
    if (written) written->clear();
    if (file_->text().trimmed().isEmpty()) return tr("choose a file to write");
    if (mode_ == Mode::Plots) {
        const QString error = PlotExport::exportPlots(chosenPlots(), file_->text().trimmed(), plotOptions(), written);
        if (error.isEmpty()) remember();
        return error;
    }
    const QString target = targetFiles().front();
    try {
        store::RunStore runs(storeFile_.toStdString(), {.create = false});
        store::SeriesSelection selection;
        selection.runs.assign(runs_.begin(), runs_.end());
        if (zoomedOnly()) selection.range = zoomed_;
        const auto series = store::collectSeries(runs, selection);
        const std::string text = json() ? store::seriesJson(series, selection.range).dump(1) + "\n"
                                        : store::seriesCsv(series);
        std::ofstream out(target.toStdString(), std::ios::binary);
        out << text;
        if (!out) return tr("%1: could not be written").arg(target);
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    if (written) *written = {target};
    remember();
    return {};
}

void ExportDialog::accept() {
    const QString error = write();
    if (!error.isEmpty()) {
        error_->setText(error);
        error_->show();
        return;
    }
    QDialog::accept();
}

QStringList ExportDialog::exportPlots(QWidget* parent, const ExportablePlots& plots, const QString& title) {
    if (plots.isEmpty()) {
        QMessageBox::information(parent, tr("Export plots"), tr("This view has no plots to export."));
        return {};
    }
    ExportDialog dialog(plots, title, parent);
    if (dialog.exec() != QDialog::Accepted) return {};
    return dialog.targetFiles();
}

QStringList ExportDialog::exportSeries(QWidget* parent, const QString& storeFile, const QList<qint64>& runs,
                                       const std::optional<store::SeriesRange>& zoomed) {
    if (storeFile.isEmpty() || runs.isEmpty()) {
        QMessageBox::information(parent, tr("Export series"),
                                 tr("Select runs in the run list (or open one in the monitor) first."));
        return {};
    }
    ExportDialog dialog(storeFile, runs, zoomed, parent);
    if (dialog.exec() != QDialog::Accepted) return {};
    return dialog.targetFiles();
}

}  // namespace flower::widgets
