#include "widgets/comparison_view.h"

#include "widgets/comparison_plot.h"
#include "widgets/comparison_worker.h"
#include "widgets/hyper_parameter_model.h"

#include "widgets/custom_plot.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace flower::widgets {

namespace {

QString yLabelOf(const QString& key) {
    if (key.startsWith(QLatin1String("loss/"))) return QObject::tr("loss");
    if (key == QLatin1String("lr")) return QObject::tr("learning rate");
    if (key == QLatin1String("grad_norm")) return QObject::tr("gradient norm");
    if (key == QLatin1String("tokens_per_s")) return QObject::tr("tokens / s");
    if (key == QLatin1String("step_seconds")) return QObject::tr("seconds per step");
    return key.section('/', -1);
}

QString emptyText() {
    return QObject::tr("No runs to compare.\nSelect runs in the run list and choose “Compare "
                       "selected” (context menu or Run ▸ Compare selected runs),\nor start the "
                       "workbench with --view compare --runs 1,2,5-8.");
}

}  // namespace

ComparisonView::ComparisonView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("comparison"));
    worker_ = std::make_unique<ComparisonWorker>(
        this, ComparisonWorker::Callbacks{
                  [this](std::vector<ComparedRun> runs, ComparedTables tables) {
                      applyLoaded(std::move(runs), std::move(tables));
                  },
                  [this](int gen, std::vector<ComparedPlot> plots) { applyPlots(gen, std::move(plots)); },
                  [this](const QString& message) {
                      failed_ = true;  // the compute queued behind the load finds no runs
                      empty_->setText(tr("Could not read the runs: %1").arg(message));
                      empty_->show();
                      Q_EMIT loadFailed(message);
                  }});

    // --- controls ---------------------------------------------------------------------------
    runsLabel_ = new QLabel(this);
    runsLabel_->setObjectName(QStringLiteral("runsLabel"));
    align_ = new QComboBox(this);
    align_->setObjectName(QStringLiteral("align"));
    align_->addItem(tr("step"), int(compare::XAlign::Step));
    align_->addItem(tr("epoch"), int(compare::XAlign::Epoch));
    align_->addItem(tr("wall time"), int(compare::XAlign::WallTime));
    align_->setToolTip(tr("What the runs are aligned on (wall time: seconds since each run's "
                          "first point)"));
    smoothing_ = new QSlider(Qt::Horizontal, this);
    smoothing_->setObjectName(QStringLiteral("smoothing"));
    smoothing_->setRange(0, 99);
    smoothing_->setFixedWidth(120);
    smoothing_->setToolTip(tr("EMA weight, applied to each run before aggregating"));
    smoothing_->setValue(int(std::lround(settings_.smoothing * 100)));
    smoothingValue_ = new QLabel(QString::number(settings_.smoothing, 'f', 2), this);
    smoothingValue_->setMinimumWidth(smoothingValue_->fontMetrics().horizontalAdvance("0.00") + 4);
    group_ = new QComboBox(this);
    group_->setObjectName(QStringLiteral("groupBy"));
    group_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    group_->setToolTip(tr("Aggregate the runs that share this config value (seeds): mean with a "
                          "band, the number of runs in the legend"));
    group_->addItem(tr("none (one curve per run)"), QString());
    bandBox_ = new QComboBox(this);
    bandBox_->setObjectName(QStringLiteral("band"));
    bandBox_->addItem(tr("± std"), int(BandMode::StdDev));
    bandBox_->addItem(tr("min–max"), int(BandMode::MinMax));
    bandBox_->addItem(tr("no band"), int(BandMode::None));
    bandBox_->setEnabled(false);

    auto* controls = new QHBoxLayout;
    controls->addWidget(runsLabel_, 1);
    controls->addWidget(new QLabel(tr("x axis:"), this));
    controls->addWidget(align_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("smoothing:"), this));
    controls->addWidget(smoothing_);
    controls->addWidget(smoothingValue_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("group by:"), this));
    controls->addWidget(group_);
    controls->addWidget(bandBox_);

    // --- plots ------------------------------------------------------------------------------
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("plots"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    plotPage_ = new QWidget;
    plotGrid_ = new QGridLayout(plotPage_);
    plotGrid_->setContentsMargins(4, 4, 4, 4);
    empty_ = new QLabel(emptyText(), plotPage_);
    empty_->setObjectName(QStringLiteral("empty"));
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setWordWrap(true);
    plotGrid_->addWidget(empty_, 0, 0, 1, 2);
    scroll->setWidget(plotPage_);

    // --- hyper-parameters -------------------------------------------------------------------
    model_ = new HyperParameterModel(this);
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("hyperParameters"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setWordWrap(false);
    showEqual_ = new QCheckBox(tr("Show columns equal in every run"), this);
    showEqual_->setObjectName(QStringLiteral("showEqual"));
    auto* paramsPage = new QWidget(this);
    auto* paramsLayout = new QVBoxLayout(paramsPage);
    paramsLayout->setContentsMargins(4, 4, 4, 4);
    paramsLayout->addWidget(showEqual_);
    paramsLayout->addWidget(table_);

    // --- metrics table ----------------------------------------------------------------------
    tableKind_ = new QComboBox(this);
    tableKind_->setObjectName(QStringLiteral("tableKind"));
    tableKind_->addItem(tr("Table 4: NDCG@5, HR@5, DGU@10, MGU@10, H, TTR per dataset"));
    tableKind_->addItem(tr("Table 3: title / token KL(T‖R), KL(R‖T), JS"));
    exact_ = new QCheckBox(tr("exact (teacher-forced) divergences"), this);
    exact_->setEnabled(false);
    auto* metricsPage = new QWidget(this);
    auto* metricsLayout = new QVBoxLayout(metricsPage);
    metricsLayout->setContentsMargins(4, 4, 4, 4);
    auto* tableBar = new QHBoxLayout;
    tableBar->addWidget(tableKind_);
    tableBar->addWidget(exact_);
    tableBar->addStretch(1);
    for (const auto& [format, text] : {std::pair{QStringLiteral("latex"), tr("Copy LaTeX")},
                                       std::pair{QStringLiteral("markdown"), tr("Copy Markdown")},
                                       std::pair{QStringLiteral("csv"), tr("Copy CSV")}}) {
        auto* b = new QPushButton(text, this);
        b->setObjectName(QStringLiteral("copy_") + format);
        connect(b, &QPushButton::clicked, this, [this, f = format] { copyTable(f); });
        tableBar->addWidget(b);
    }
    metrics_ = new QTableWidget(this);
    metrics_->setObjectName(QStringLiteral("metricsTable"));
    metrics_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    metrics_->verticalHeader()->hide();
    metrics_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    metricsNote_ = new QLabel(this);
    metricsNote_->setObjectName(QStringLiteral("metricsNote"));
    metricsNote_->setWordWrap(true);
    metricsLayout->addLayout(tableBar);
    metricsLayout->addWidget(metrics_, 1);
    metricsLayout->addWidget(metricsNote_);

    auto* tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("compareTabs"));
    tabs->addTab(paramsPage, tr("Hyper-parameters"));
    tabs->addTab(metricsPage, tr("Metrics table"));

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(scroll);
    splitter->addWidget(tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({680, 320});  // scaled to the real height: the plots get about two thirds
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(controls);
    layout->addWidget(splitter, 1);
    runsLabel_->setText(tr("No runs selected"));

    connect(align_, &QComboBox::currentIndexChanged, this, [this] {
        settings_.align = static_cast<compare::XAlign>(align_->currentData().toInt());
        recompute();
    });
    connect(smoothing_, &QSlider::valueChanged, this, [this](int v) {
        settings_.smoothing = v / 100.0;
        smoothingValue_->setText(QString::number(settings_.smoothing, 'f', 2));
        recompute();
    });
    connect(group_, &QComboBox::currentIndexChanged, this, [this] {
        settings_.groupKey = group_->currentData().toString().toStdString();
        bandBox_->setEnabled(!settings_.groupKey.empty());
        palette_.reset();  // the groups get the first colours (solid pens), not those after the runs
        recompute();
    });
    connect(bandBox_, &QComboBox::currentIndexChanged, this, [this] {
        band_ = static_cast<BandMode>(bandBox_->currentData().toInt());
        recompute();
    });
    connect(showEqual_, &QCheckBox::toggled, model_, &HyperParameterModel::setShowEqual);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ComparisonView::updateHighlight);
    connect(model_, &QAbstractItemModel::modelReset, this, &ComparisonView::updateHighlight);
    connect(tableKind_, &QComboBox::currentIndexChanged, this, [this] {
        exact_->setEnabled(tableKind_->currentIndex() == 1);
        fillMetricsTable();
    });
    connect(exact_, &QCheckBox::toggled, this, &ComparisonView::fillMetricsTable);
}

ComparisonView::~ComparisonView() = default;

void ComparisonView::showRuns(const QString& storeFile, const QList<qint64>& runIds,
                              const QString& groupKey) {
    showRuns(storeFile, runIds);
    pendingGroupKey_ = groupKey;
}

void ComparisonView::showRuns(const QString& storeFile, const QList<qint64>& runIds) {
    pendingGroupKey_.reset();
    storeFile_ = storeFile;
    runIds_ = runIds;
    failed_ = false;
    palette_.reset();
    for (ComparisonPlot* p : std::as_const(plots_)) delete p;
    plots_.clear();
    plotOrder_.clear();
    QStringList ids;
    for (qint64 id : runIds) ids << QStringLiteral("#%1").arg(id);
    runsLabel_->setText(runIds.isEmpty() ? tr("No runs selected")
                                         : tr("Comparing %n run(s): %1", nullptr, int(runIds.size()))
                                               .arg(ids.join(QStringLiteral(", "))));
    empty_->setText(runIds.isEmpty() ? emptyText() : tr("Reading %n run(s)…", nullptr, int(runIds.size())));
    empty_->show();
    if (runIds.isEmpty()) {
        model_->setRuns({});
        tables_ = {};
        fillMetricsTable();
        return;
    }
    worker_->load(storeFile, runIds);
    recompute();
}

void ComparisonView::applyLoaded(std::vector<ComparedRun> runs, ComparedTables tables) {
    tables_ = std::move(tables);
    model_->setRuns(runs);
    // Group-by offers the keys that differ, the run's name and description excluded.
    QString current = group_->currentData().toString();
    if (pendingGroupKey_) {
        current = *pendingGroupKey_;
        pendingGroupKey_.reset();
    }
    group_->blockSignals(true);
    while (group_->count() > 1) group_->removeItem(1);
    for (const auto& k : model_->differingKeys()) {
        if (k == "name" || k == "description") continue;
        group_->addItem(QString::fromStdString(k), QString::fromStdString(k));
    }
    const int keep = group_->findData(current);
    group_->setCurrentIndex(keep >= 0 ? keep : 0);
    group_->blockSignals(false);
    const std::string chosen = keep >= 0 ? current.toStdString() : std::string();
    if (chosen != settings_.groupKey) {
        settings_.groupKey = chosen;
        bandBox_->setEnabled(!chosen.empty());
        palette_.reset();
        recompute();
    }
    const int equal = model_->equalColumnCount();
    showEqual_->setText(tr("Show the %n column(s) equal in every run", nullptr, equal));
    fillMetricsTable();
    Q_EMIT loaded();
}

void ComparisonView::recompute() {
    if (runIds_.isEmpty()) return;
    pending_ = worker_->compute(settings_);
}

void ComparisonView::applyPlots(int generation, std::vector<ComparedPlot> plots) {
    if (generation != pending_ || failed_) return;  // newer on its way, or nothing was read
    QStringList order;
    std::set<QString> keep;
    QHash<qint64, QColor> colors;
    for (auto& p : plots) {
        const QString key = QString::fromStdString(p.seriesKey);
        order << key;
        keep.insert(key);
        ComparisonPlot*& plot = plots_[key];
        if (!plot) {
            plot = new ComparisonPlot(key, yLabelOf(key), plotPage_);
            plot->setObjectName(QStringLiteral("compare:") + key);
            plot->setMinimumHeight(260);
            connect(plot, &ComparisonPlot::curveHovered, this, &ComparisonView::onCurveHovered);
        }
        for (const auto& c : p.curves) {
            for (qint64 id : c.runIds) {
                if (!colors.contains(id)) colors.insert(id, palette_.color(c.key, palette()));
            }
        }
        plot->setCurves(std::move(p.curves), settings_.align, band_, palette_);
    }
    for (auto it = plots_.begin(); it != plots_.end();) {
        if (keep.count(it.key()) == 0) {
            delete it.value();
            it = plots_.erase(it);
        } else {
            ++it;
        }
    }
    if (order != plotOrder_) {
        plotOrder_ = order;
        layoutPlots();
    }
    if (plots_.isEmpty()) {
        empty_->setText(tr("The selected runs have no scalar series yet."));
        empty_->show();
    } else {
        empty_->hide();
    }
    model_->setColors(colors);
    updateHighlight();
    Q_EMIT computed();
}

void ComparisonView::layoutPlots() {
    for (ComparisonPlot* p : std::as_const(plots_)) plotGrid_->removeWidget(p);
    int i = 0;
    for (const QString& key : std::as_const(plotOrder_)) {
        plotGrid_->addWidget(plots_.value(key), 1 + i / 2, i % 2);
        ++i;
    }
}

void ComparisonView::updateHighlight() {
    std::set<qint64> selected;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows()) {
        selected.insert(model_->runId(index.row()));
    }
    for (ComparisonPlot* p : std::as_const(plots_)) {
        QSet<QString> keys;
        for (const auto& c : p->curves()) {
            for (qint64 id : c.runIds) {
                if (selected.count(id)) keys.insert(c.key);
            }
        }
        p->setHighlighted(keys);
    }
}

void ComparisonView::onCurveHovered(const QString& key) {
    if (key.isEmpty()) return;  // leaving a curve keeps the rows it selected
    auto* plot = qobject_cast<ComparisonPlot*>(sender());
    if (!plot) return;
    QItemSelection selection;
    for (const auto& c : plot->curves()) {
        if (c.key != key) continue;
        for (qint64 id : c.runIds) {
            const int row = model_->rowOf(id);
            if (row >= 0) selection.select(model_->index(row, 0), model_->index(row, model_->columnCount() - 1));
        }
    }
    table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!selection.isEmpty()) table_->scrollTo(selection.indexes().front());
}

void ComparisonView::showDivergenceTable(bool divergences, bool exact) {
    exact_->setChecked(exact);
    tableKind_->setCurrentIndex(divergences ? 1 : 0);
    fillMetricsTable();
}

const store::ResultTable& ComparisonView::shownTable() const {
    if (tableKind_->currentIndex() == 0) return tables_.paper;
    return exact_->isChecked() ? tables_.divergenceExact : tables_.divergence;
}

void ComparisonView::fillMetricsTable() {
    const bool paper = tableKind_->currentIndex() == 0;
    const QString error = paper ? tables_.paperError : tables_.divergenceError;
    const store::ResultTable& t = shownTable();
    metrics_->clear();
    metrics_->setRowCount(0);
    metrics_->setColumnCount(0);
    if (!error.isEmpty()) {
        metricsNote_->setText(error);
        return;
    }
    if (t.rows.empty()) {
        metricsNote_->setText(runIds_.isEmpty() ? tr("No runs selected.")
                                                : tr("No stored evaluations for this table."));
        return;
    }
    QStringList headers{QString::fromStdString(t.rowHeader)};
    for (const auto& g : t.groups) {
        for (const auto& c : g.columns) {
            QString h = g.name.empty() ? QString() : QString::fromStdString(g.name) + '\n';
            h += QString::fromStdString(c.header) + (c.lowerIsBetter ? QStringLiteral(" ↓") : QString());
            headers << h;
        }
    }
    metrics_->setColumnCount(int(headers.size()));
    metrics_->setHorizontalHeaderLabels(headers);
    metrics_->setRowCount(int(t.rows.size()));
    bool anyFilled = false;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        metrics_->setItem(int(r), 0, new QTableWidgetItem(QString::fromStdString(t.rows[r].label)));
        for (std::size_t c = 0; c < t.rows[r].cells.size(); ++c) {
            const auto& cell = t.rows[r].cells[c];
            auto* item = new QTableWidgetItem(QString::fromStdString(t.cellText(r, c)));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            const int rank = t.rank(r, c);
            QFont f = item->font();
            f.setBold(rank == 1);
            f.setUnderline(rank == 2);
            item->setFont(f);
            if (!cell.values.empty()) {
                anyFilled = true;
                QStringList v;
                for (double x : cell.values) v << QString::number(x, 'g', 6);
                item->setToolTip(tr("n=%1: %2").arg(cell.values.size()).arg(v.join(", ")));
            }
            metrics_->setItem(int(r), int(c) + 1, item);
        }
    }
    QStringList notes;
    for (const auto& n : t.notes) notes << QString::fromStdString(n);
    if (!anyFilled) {
        notes.prepend(paper ? tr("None of these runs has a final test evaluation yet.")
                            : tr("None of these runs has RQ1 divergences (kl_tr_title, js_title, …)."));
    }
    notes << tr("Bold: best per column, underlined: second; ± is the sample std over seeds.");
    metricsNote_->setText(notes.join('\n'));
}

void ComparisonView::copyTable(const QString& format) {
    const store::ResultTable& t = shownTable();
    const std::string text = format == QLatin1String("latex")      ? t.toLatex()
                             : format == QLatin1String("markdown") ? t.toMarkdown()
                                                                   : t.toCsv();
    QApplication::clipboard()->setText(QString::fromStdString(text));
}

void ComparisonView::setAlignment(compare::XAlign align) { align_->setCurrentIndex(align_->findData(int(align))); }
void ComparisonView::setSmoothing(double weight) { smoothing_->setValue(int(std::lround(weight * 100))); }
void ComparisonView::setGroupKey(const QString& key) {
    const int i = group_->findData(key);
    group_->setCurrentIndex(i >= 0 ? i : 0);
}
void ComparisonView::setBandMode(BandMode mode) { bandBox_->setCurrentIndex(bandBox_->findData(int(mode))); }

QStringList ComparisonView::groupKeys() const {
    QStringList keys;
    for (int i = 1; i < group_->count(); ++i) keys << group_->itemData(i).toString();
    return keys;
}

ComparisonPlot* ComparisonView::plotFor(const QString& seriesKey) const { return plots_.value(seriesKey); }

QList<ComparisonPlot*> ComparisonView::plots() const {
    QList<ComparisonPlot*> out;
    for (const QString& k : plotOrder_) out << plots_.value(k);
    return out;
}

ExportablePlots ComparisonView::exportablePlots() const {
    ExportablePlots out;
    for (const QString& k : plotOrder_) out.push_back({tr("Compare: %1").arg(k), plots_.value(k)->plot()});
    return out;
}

}  // namespace flower::widgets
