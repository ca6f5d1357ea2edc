// ExportDialog: the export dialog of issue 18, in two modes.
//  Plots  — which plots (a checklist), format (PNG, SVG, PDF), size (mm or px) and DPI, and for
//           several plots one PDF with a page per plot or one file per plot; the file names it
//           will write are shown before writing. Drawing is PlotExport's.
//  Series — the series of the given runs as CSV (long format) or JSON, every point or only the
//           zoomed x range; written by core/store/series_export.
// Every choice is remembered in QSettings (group "export"), unticked plots by name.
// exportPlots()/exportSeries() run it modally and write; tests drive an instance and call
// write() instead.
#pragma once

#include "core/store/series_export.h"
#include "widgets/exportable_plot.h"
#include "widgets/plot_export.h"

#include <QDialog>
#include <QList>
#include <QStringList>

#include <optional>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QRadioButton;
class QSpinBox;

namespace flower::widgets {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Plots, Series };

    // Plots mode.
    ExportDialog(const ExportablePlots& plots, const QString& title, QWidget* parent = nullptr);
    // Series mode: the runs of `storeFile`; `zoomed` is the view's zoomed range, if any.
    ExportDialog(const QString& storeFile, const QList<qint64>& runs,
                 const std::optional<store::SeriesRange>& zoomed, QWidget* parent = nullptr);

    Mode mode() const { return mode_; }
    // Plots mode: what is chosen.
    ExportablePlots chosenPlots() const;
    PlotExportOptions plotOptions() const;
    // Series mode.
    bool zoomedOnly() const;
    bool json() const;
    // The file (or, for several files, the stem) chosen.
    QString file() const;
    void setFile(const QString& file);
    // The files write() will produce with the current choices.
    QStringList targetFiles() const;

    // Writes with the current choices and remembers them; "" or the reason.
    QString write(QStringList* written = nullptr);
    // The choices into QSettings (write() does this too).
    void remember() const;

    // Modal: run the dialog and write. Returns the files written (empty when cancelled or on
    // error, which a message box has reported).
    static QStringList exportPlots(QWidget* parent, const ExportablePlots& plots, const QString& title);
    static QStringList exportSeries(QWidget* parent, const QString& storeFile, const QList<qint64>& runs,
                                    const std::optional<store::SeriesRange>& zoomed);

    void accept() override;

private:
    void buildPlots();
    void buildSeries();
    QWidget* buildFileRow();
    void restore();
    void updateState();
    void unitChanged();
    void browse();

    Mode mode_;
    ExportablePlots plots_;
    QString title_;
    QString storeFile_;
    QList<qint64> runs_;
    std::optional<store::SeriesRange> zoomed_;

    QListWidget* plotList_ = nullptr;
    QComboBox* format_ = nullptr;
    QDoubleSpinBox* width_ = nullptr;
    QDoubleSpinBox* height_ = nullptr;
    QComboBox* unit_ = nullptr;
    QSpinBox* dpi_ = nullptr;
    QCheckBox* print_ = nullptr;
    QRadioButton* pages_ = nullptr;
    QRadioButton* perPlot_ = nullptr;
    QRadioButton* allPoints_ = nullptr;
    QRadioButton* zoomedPoints_ = nullptr;
    QLineEdit* file_ = nullptr;
    QLabel* targets_ = nullptr;
    QLabel* error_ = nullptr;
    int unitShown_ = 0;  // the unit the size fields hold (for conversion on change)
};

}  // namespace flower::widgets
