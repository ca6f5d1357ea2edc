#include "widgets/run_monitor.h"

#include "widgets/export_dialog.h"
#include "widgets/group_histogram_view.h"
#include "widgets/live_plot.h"
#include "widgets/plot_grid.h"
#include "widgets/samples_model.h"
#include "widgets/store_poller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include "widgets/custom_plot.h"

namespace flower::widgets {

namespace {

constexpr int kDefaultPollMs = 250;
constexpr double kDefaultSmoothing = 0.6;  // TensorBoard's default

// Readable names of the loss terms the objectives report ("loss/<term>").
QString lossTermName(const QString& term) {
    if (term == "total") return QObject::tr("total");
    if (term == "sft") return QObject::tr("SFT (NLL)");
    if (term == "subtb") return QObject::tr("SubTB");
    return term;
}

struct MetricInfo {
    const char* metric;
    const char* title;
    const char* yLabel;
};
constexpr MetricInfo kMetrics[] = {
    {"ndcg", "NDCG@K", "NDCG"},
    {"hr", "Hit ratio HR@K", "HR"},
    {"dgu", "DGU@K (lower is fairer)", "DGU"},
    {"mgu", "MGU@K (lower is fairer)", "MGU"},
    {"entropy", "Word entropy H@K", "entropy (bits)"},
    {"ttr", "Type-token ratio TTR@K", "TTR"},
    {"out_of_set", "Titles outside the catalogue", "titles"},
    {"samples", "Titles sampled per evaluation", "titles"},
};

// "kl_tr_title_exact" → ("title", "kl_tr", exact); nullopt for other metrics.
struct DivergenceName {
    QString level;
    QString kind;
    bool exact = false;
};
std::optional<DivergenceName> parseDivergence(const QString& metric) {
    QString m = metric;
    DivergenceName out;
    if (m.endsWith("_exact")) {
        out.exact = true;
        m.chop(6);
    }
    for (const char* kind : {"kl_tr", "kl_rt", "js"}) {
        for (const char* level : {"title", "token"}) {
            if (m == QString("%1_%2").arg(kind, level)) {
                out.kind = kind;
                out.level = level;
                return out;
            }
        }
    }
    return std::nullopt;
}

QString divergenceLabel(const QString& kind) {
    if (kind == "kl_tr") return QString::fromUtf8("KL(T‖R)");
    if (kind == "kl_rt") return QString::fromUtf8("KL(R‖T)");
    return QStringLiteral("JS");
}

// Legend order of the loss terms: total first.
int lossTermOrder(const QString& term) {
    return term == "total" ? 0 : term == "sft" ? 1 : term == "subtb" ? 2 : 3;
}

int divergenceColor(const QString& kind) { return kind == "kl_tr" ? 0 : kind == "kl_rt" ? 1 : 2; }

}  // namespace

RunMonitor::RunMonitor(QWidget* parent) : QWidget(parent) {
    setObjectName("RunMonitor");
    buildUi();
    thread_ = new QThread(this);
    thread_->setObjectName("RunMonitor store reader");
    poller_ = new StorePoller;
    poller_->moveToThread(thread_);
    connect(thread_, &QThread::finished, poller_, &QObject::deleteLater);
    connect(poller_, &StorePoller::batchReady, this, &RunMonitor::onBatch, Qt::QueuedConnection);
    thread_->start();
    pollTimer_ = new QTimer(this);
    pollTimer_->setInterval(kDefaultPollMs);
    connect(pollTimer_, &QTimer::timeout, this, &RunMonitor::requestPoll);
    clear();
}

RunMonitor::~RunMonitor() {
    pollTimer_->stop();
    thread_->quit();
    thread_->wait();
}

void RunMonitor::buildUi() {
    header_ = new QLabel(this);
    header_->setObjectName("runHeader");
    header_->setTextFormat(Qt::RichText);
    error_ = new QLabel(this);
    error_->setObjectName("runError");
    error_->setWordWrap(true);
    error_->setStyleSheet("QLabel { color: #c62828; }");
    error_->hide();

    smoothing_ = new QSlider(Qt::Horizontal, this);
    smoothing_->setObjectName("smoothingSlider");
    smoothing_->setRange(0, 99);
    smoothing_->setValue(static_cast<int>(kDefaultSmoothing * 100));
    smoothing_->setFixedWidth(140);
    smoothing_->setToolTip(tr("Exponential moving average of the training curves (debiased, as "
                              "TensorBoard), computed on every point; the raw curve stays faint "
                              "behind it."));
    smoothingValue_ = new QLabel(this);
    smoothingValue_->setMinimumWidth(32);
    xAxis_ = new QComboBox(this);
    xAxis_->setObjectName("xAxisCombo");
    xAxis_->addItem(tr("step"), static_cast<int>(LivePlot::XAxis::Step));
    xAxis_->addItem(tr("epoch"), static_cast<int>(LivePlot::XAxis::Epoch));
    xAxis_->addItem(tr("time"), static_cast<int>(LivePlot::XAxis::WallTime));
    logLoss_ = new QCheckBox(tr("log-scale loss"), this);
    logLoss_->setObjectName("logLossCheck");

    auto* tools = new QHBoxLayout;
    tools->addWidget(header_, 1);
    tools->addWidget(new QLabel(tr("Smoothing"), this));
    tools->addWidget(smoothing_);
    tools->addWidget(smoothingValue_);
    tools->addSpacing(12);
    tools->addWidget(new QLabel(tr("x axis"), this));
    tools->addWidget(xAxis_);
    tools->addSpacing(12);
    tools->addWidget(logLoss_);
    export_ = new QPushButton(tr("Export…"), this);
    export_->setObjectName("exportButton");
    export_->setToolTip(tr("Write this run's plots as PNG, SVG or PDF (one page per plot)"));
    connect(export_, &QPushButton::clicked, this, &RunMonitor::chooseExport);
    tools->addSpacing(12);
    tools->addWidget(export_);

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName("monitorTabs");
    tabs_->setDocumentMode(true);

    // Training
    auto* training = new QWidget(this);
    training->setObjectName("training");
    auto* grid = new QGridLayout(training);
    grid->setContentsMargins(4, 4, 4, 4);
    loss_ = new LivePlot(tr("Loss by term"), tr("loss (per update)"), training);
    loss_->setObjectName("lossPlot");
    lr_ = new LivePlot(tr("Learning rate"), tr("learning rate"), training);
    lr_->setObjectName("lrPlot");
    gradNorm_ = new LivePlot(tr("Gradient norm"), tr("global L2 norm (before clipping)"), training);
    gradNorm_->setObjectName("gradNormPlot");
    throughput_ = new LivePlot(tr("Throughput"), tr("tokens / s"), training);
    throughput_->setObjectName("throughputPlot");
    grid->addWidget(loss_, 0, 0);
    grid->addWidget(lr_, 0, 1);
    grid->addWidget(gradNorm_, 1, 0);
    grid->addWidget(throughput_, 1, 1);
    tabs_->addTab(training, tr("Training"));

    groups_ = new GroupHistogramView(this);
    groups_->setObjectName("groups");
    tabs_->addTab(groups_, tr("Popularity groups"));

    auto* divergences = new QWidget(this);
    divergences->setObjectName("divergences");
    auto* divLayout = new QHBoxLayout(divergences);
    divLayout->setContentsMargins(4, 4, 4, 4);
    titleDiv_ = new LivePlot(tr("Title level: generated (R) vs target (T)"), tr("divergence (nats)"),
                             divergences);
    titleDiv_->setObjectName("titleDivergencePlot");
    tokenDiv_ = new LivePlot(tr("Token level: generated (R) vs target (T)"), tr("divergence (nats)"),
                             divergences);
    tokenDiv_->setObjectName("tokenDivergencePlot");
    // Divergences fall over orders of magnitude; the late differences matter most.
    titleDiv_->setLogY(true);
    tokenDiv_->setLogY(true);
    divLayout->addWidget(titleDiv_);
    divLayout->addWidget(tokenDiv_);
    tabs_->addTab(divergences, tr("KL / JS"));

    evaluation_ = new PlotGrid(this);
    evaluation_->setObjectName("evaluation");
    evaluation_->setObjectPrefix("evaluation_");
    tabs_->addTab(evaluation_, tr("Evaluation"));
    diagnostics_ = new PlotGrid(this);
    diagnostics_->setObjectName("diagnostics");
    diagnostics_->setObjectPrefix("diagnostics_");

    auto* samplesPage = new QWidget(this);
    samplesPage->setObjectName("samples");
    auto* samplesLayout = new QVBoxLayout(samplesPage);
    samplesHeader_ = new QLabel(samplesPage);
    samplesHeader_->setObjectName("samplesHeader");
    samplesHeader_->setWordWrap(true);
    samples_ = new SamplesModel(this);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(samples_);
    proxy->setSortRole(SamplesModel::SortRole);
    auto* table = new QTableView(samplesPage);
    table->setObjectName("samplesTable");
    table->setModel(proxy);
    table->setSortingEnabled(true);
    table->sortByColumn(SamplesModel::LogProbColumn, Qt::DescendingOrder);
    table->setAlternatingRowColors(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(SamplesModel::TitleColumn, QHeaderView::Stretch);
    samplesLayout->addWidget(samplesHeader_);
    samplesLayout->addWidget(table, 1);
    tabs_->addTab(samplesPage, tr("Samples"));
    tabs_->addTab(diagnostics_, tr("Diagnostics"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addWidget(error_);
    layout->addWidget(tabs_, 1);

    auto applySmoothing = [this](int value) {
        const double w = value / 100.0;
        smoothingValue_->setText(QString::number(w, 'f', 2));
        for (LivePlot* p : {loss_, gradNorm_, throughput_}) p->setSmoothing(w);
        diagnostics_->forEachPlot([w](LivePlot* p) { p->setSmoothing(w); });
    };
    connect(smoothing_, &QSlider::valueChanged, this, applySmoothing);
    applySmoothing(smoothing_->value());
    connect(xAxis_, &QComboBox::currentIndexChanged, this, [this] {
        const auto axis = static_cast<LivePlot::XAxis>(xAxis_->currentData().toInt());
        forEachPlot([axis](LivePlot* p) { p->setXAxis(axis); });
    });
    connect(logLoss_, &QCheckBox::toggled, loss_, &LivePlot::setLogY);
}

void RunMonitor::forEachPlot(const std::function<void(LivePlot*)>& f) {
    for (LivePlot* p : {loss_, lr_, gradNorm_, throughput_, titleDiv_, tokenDiv_}) f(p);
    evaluation_->forEachPlot(f);
    diagnostics_->forEachPlot(f);
}

bool RunMonitor::showTab(const QString& name) {
    for (int i = 0; i < tabs_->count(); ++i) {
        if (tabs_->widget(i)->objectName() == name) {
            tabs_->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

ExportablePlots RunMonitor::exportablePlots() const { return exportablePlots(QString()); }

ExportablePlots RunMonitor::exportablePlots(const QString& tab) const {
    ExportablePlots out;
    const auto add = [&out](LivePlot* p) { out.push_back({p->title(), p}); };
    if (tab.isEmpty() || tab == "training") {
        for (LivePlot* p : {loss_, lr_, gradNorm_, throughput_}) add(p);
    }
    if (tab.isEmpty() || tab == "groups") {
        // The bars (drawn without the slider and play button); their title names the step shown.
        out.push_back({tr("Popularity groups"), groups_});
    }
    if (tab.isEmpty() || tab == "divergences") {
        for (LivePlot* p : {titleDiv_, tokenDiv_}) add(p);
    }
    if (tab.isEmpty() || tab == "evaluation") evaluation_->forEachPlot(add);
    if (tab.isEmpty() || tab == "diagnostics") diagnostics_->forEachPlot(add);
    return out;
}

QString RunMonitor::exportTitle() const {
    if (runId_ == 0) return {};
    return runName_.isEmpty() ? tr("run %1").arg(runId_) : tr("run %1 · %2").arg(runId_).arg(runName_);
}

QList<qint64> RunMonitor::exportRuns() const {
    if (runId_ == 0) return {};
    return {runId_};
}

std::optional<store::SeriesRange> RunMonitor::zoomedRange() const {
    std::optional<store::SeriesRange> range;
    const_cast<RunMonitor*>(this)->forEachPlot([&range, this](LivePlot* p) {
        if (range || p->followsData() || p->seriesCount() == 0) return;
        const QCPRange x = p->plot()->xAxis->range();
        store::SeriesRange r;
        r.lower = x.lower;
        r.upper = x.upper;
        switch (p->xAxis()) {
            case LivePlot::XAxis::Step: r.axis = store::SeriesAxis::Step; break;
            case LivePlot::XAxis::Epoch: r.axis = store::SeriesAxis::Epoch; break;
            case LivePlot::XAxis::WallTime:
                r.axis = store::SeriesAxis::WallTime;
                r.lower += timeOrigin_;
                r.upper += timeOrigin_;
                break;
        }
        range = r;
    });
    return range;
}

void RunMonitor::chooseExport() {
    ExportDialog::exportPlots(this, exportablePlots(), exportTitle());
}

qint64 RunMonitor::runId() const { return runId_; }

void RunMonitor::setPollIntervalMs(int ms) { pollTimer_->setInterval(std::max(10, ms)); }

void RunMonitor::clear() {
    ++generation_;  // batches still on their way belong to the old run
    pollTimer_->stop();
    storeFile_.clear();
    runId_ = 0;
    runName_.clear();
    method_.clear();
    dataset_.clear();
    status_.clear();
    maxSteps_ = 0;
    evalEvery_ = -1;
    error_->hide();
    clearViews();
}

void RunMonitor::clearViews() {
    lastStep_ = -1;
    timeOrigin_ = 0;
    clock_.clear();
    forEachPlot([](LivePlot* p) { p->clear(); });
    evaluation_->clear();
    diagnostics_->clear();
    groups_->clear();
    samples_->setSamples({});
    updateHeader();
    updateEmptyTexts();
}

void RunMonitor::showRun(const QString& storeFile, qint64 runId) {
    clear();
    storeFile_ = storeFile;
    runId_ = runId;
    updateHeader();
    const quint64 generation = generation_;
    StorePoller* poller = poller_;
    QMetaObject::invokeMethod(poller_, [poller, generation, storeFile, runId] {
        poller->open(generation, storeFile, runId);
    }, Qt::QueuedConnection);
    inFlight_ = false;
    requestPoll();  // the lazy load: the whole history, read on the worker
    pollTimer_->start();
}

void RunMonitor::requestPoll() {
    if (inFlight_ || storeFile_.isEmpty()) {
        return;
    }
    inFlight_ = true;
    const quint64 generation = generation_;
    StorePoller* poller = poller_;
    QMetaObject::invokeMethod(poller_, [poller, generation] { poller->poll(generation); },
                              Qt::QueuedConnection);
}

void RunMonitor::onBatch(const MonitorBatch& batch) {
    if (batch.generation != generation_) {
        return;  // an old run's poll; the one of this run was queued behind it
    }
    inFlight_ = false;
    if (!batch.error.isEmpty()) {
        error_->setText(tr("Cannot read run %1 of %2: %3").arg(runId_).arg(storeFile_, batch.error));
        error_->show();
        return;
    }
    error_->hide();
    if (batch.reset) {
        clearViews();  // a resumed run: what follows is its whole history again
    }
    if (batch.run) {
        applyRun(*batch.run);
    }
    if (timeOrigin_ == 0) {
        // t = 0 of the time axis is the run's earliest training point, not runs.started_at:
        // a resume moves started_at past the points written before it.
        for (const auto& chunk : batch.series) {
            const double t = chunk.points.empty() ? 0 : chunk.points.front().wallTime;
            if (t > 0 && (timeOrigin_ == 0 || t < timeOrigin_)) timeOrigin_ = t;
        }
        if (timeOrigin_ > 0) forEachPlot([this](LivePlot* p) { p->setTimeOrigin(timeOrigin_); });
    }
    for (const auto& chunk : batch.series) {
        addSeries(chunk.key, chunk.points);
    }
    addDivergences(batch);
    addEvaluations(batch);
    groups_->addHistograms(batch.histograms);
    if (!batch.samples.empty()) {
        samples_->setSamples(batch.samples);
    }
    lastStep_ = std::max(lastStep_, batch.lastStep);
    updateHeader();
    updateEmptyTexts();
    if (batch.empty()) {
        Q_EMIT caughtUp(runId_, lastStep_);
    }
}

void RunMonitor::applyRun(const store::RunInfo& run) {
    runName_ = QString::fromStdString(run.name);
    method_ = QString::fromStdString(run.method);
    dataset_ = QString::fromStdString(run.dataset);
    status_ = QString::fromLatin1(store::toString(run.status).data(),
                                  static_cast<qsizetype>(store::toString(run.status).size()));
    if (run.error && run.status == store::RunStatus::Failed) {
        error_->setText(tr("The run failed: %1").arg(QString::fromStdString(*run.error)));
        error_->show();
    }
    const QJsonObject config = QJsonDocument::fromJson(QByteArray::fromStdString(run.configJson)).object();
    maxSteps_ = config.value("max_steps").toInteger(0);
    const QJsonObject evaluation = config.value("evaluation").toObject();
    evalEvery_ = evaluation.contains("every_steps") ? evaluation.value("every_steps").toInteger(0) : -1;
}

store::ScalarPoint RunMonitor::clockPoint(std::int64_t step, double value) const {
    store::ScalarPoint p{step, 0, value, 0};
    // The training step at or before `step` (an evaluation follows its step's update).
    auto it = clock_.upper_bound(step);
    if (it != clock_.begin()) {
        --it;
        p.epoch = it->second.first;
        p.wallTime = it->second.second;
    }
    return p;
}

void RunMonitor::addSeries(const std::string& key, const std::vector<store::ScalarPoint>& points) {
    const QString k = QString::fromStdString(key);
    auto into = [&](LivePlot* plot, const QString& name, LivePlot::SeriesStyle style) {
        int i = plot->seriesIndex(name);
        if (i < 0) {
            i = plot->addSeries(name, style);
        }
        plot->append(i, points);
    };
    if (!k.startsWith("valid/") && !k.startsWith("test/")) {
        for (const auto& p : points) {
            clock_.emplace_hint(clock_.end(), p.step, std::make_pair(p.epoch, p.wallTime));
        }
    }
    if (k.startsWith("loss/")) {
        const QString term = k.mid(5);
        LivePlot::SeriesStyle style;
        style.colorIndex = term == "total" ? 0 : term == "sft" ? 1 : term == "subtb" ? 2 : -1;
        style.order = lossTermOrder(term);
        into(loss_, lossTermName(term), style);
    } else if (k == "valid/loss" || k.startsWith("valid/loss/")) {
        LivePlot::SeriesStyle style;
        style.pen = Qt::DashLine;
        style.markers = true;
        style.smoothed = false;  // one point per evaluation: shown as measured
        const QString term = k == "valid/loss" ? QString("total") : k.mid(11);
        style.colorIndex = term == "total" ? 0 : term == "sft" ? 1 : term == "subtb" ? 2 : -1;
        style.order = 10 + lossTermOrder(term);
        into(loss_, tr("validation %1").arg(lossTermName(term)), style);
    } else if (k == "lr") {
        into(lr_, tr("learning rate"), {});
    } else if (k == "grad_norm") {
        into(gradNorm_, tr("gradient norm"), {});
    } else if (k == "tokens_per_s") {
        into(throughput_, tr("tokens / s"), {});
    } else if (k.startsWith("valid/") || k.startsWith("test/")) {
        // "valid/kl_tr_title_exact": the exact divergences (no sampling noise) beside the sampled.
        const auto d = parseDivergence(k.section('/', 1));
        if (d && d->exact) {
            LivePlot::SeriesStyle style;
            style.pen = Qt::DashLine;
            style.markers = true;
            style.colorIndex = divergenceColor(d->kind);
            style.order = 2 * divergenceColor(d->kind) + 1;
            into(d->level == "title" ? titleDiv_ : tokenDiv_, tr("%1 exact").arg(divergenceLabel(d->kind)),
                 style);
        }
        // Other evaluation metrics are read from the evaluations table (addEvaluations).
    } else {
        // Whatever else the trainer or the objective reports per step ("flower/valid_fraction",
        // "step_seconds", ...).
        into(diagnosticsPlot(key), k.section('/', -1), {});
    }
}

void RunMonitor::addDivergences(const MonitorBatch& batch) {
    for (const auto& d : batch.divergences) {
        const QString kind = QString::fromLatin1(store::toString(d.kind).data(),
                                                 static_cast<qsizetype>(store::toString(d.kind).size()));
        LivePlot* plot = d.level == store::DivergenceLevel::Title ? titleDiv_ : tokenDiv_;
        const QString name = tr("%1 sampled").arg(divergenceLabel(kind));
        int i = plot->seriesIndex(name);
        if (i < 0) {
            LivePlot::SeriesStyle style;
            style.markers = true;
            style.colorIndex = divergenceColor(kind);
            style.order = 2 * divergenceColor(kind);
            i = plot->addSeries(name, style);
        }
        const store::ScalarPoint p = clockPoint(d.step, d.value);
        plot->append(i, std::span<const store::ScalarPoint>(&p, 1));
    }
}

LivePlot* RunMonitor::evaluationPlot(const std::string& metric) {
    QString title = QString::fromStdString(metric);
    QString yLabel = title;
    int rank = static_cast<int>(std::size(kMetrics));
    for (std::size_t i = 0; i < std::size(kMetrics); ++i) {
        if (metric == kMetrics[i].metric) {
            title = tr(kMetrics[i].title);
            yLabel = tr(kMetrics[i].yLabel);
            rank = static_cast<int>(i);
        }
    }
    return evaluation_->plot(metric, title, yLabel, rank, [this](LivePlot* p) { configureNew(p, false); });
}

LivePlot* RunMonitor::diagnosticsPlot(const std::string& key) {
    const QString k = QString::fromStdString(key);
    const bool stepTime = key == "step_seconds";
    return diagnostics_->plot(key, stepTime ? tr("Step time") : k,
                              stepTime ? tr("seconds per update") : k.section('/', -1), stepTime ? 0 : 1,
                              [this](LivePlot* p) { configureNew(p, true); });
}

void RunMonitor::configureNew(LivePlot* plot, bool smoothed) {
    plot->setXAxis(static_cast<LivePlot::XAxis>(xAxis_->currentData().toInt()));
    if (timeOrigin_ > 0) plot->setTimeOrigin(timeOrigin_);
    if (smoothed) plot->setSmoothing(smoothing_->value() / 100.0);
}

void RunMonitor::addEvaluations(const MonitorBatch& batch) {
    groups_->addEvaluations(batch.evaluations);
    for (const auto& e : batch.evaluations) {
        const QString metric = QString::fromStdString(e.metric);
        // Shown elsewhere: divergences on the KL / JS tab, the loss with the training loss.
        if (parseDivergence(metric) || metric == "loss" || metric.startsWith("loss/")) {
            continue;
        }
        LivePlot* plot = evaluationPlot(e.metric);
        QString name = QString::fromStdString(e.split);
        if (e.k > 0) name += "@" + QString::number(e.k);
        int i = plot->seriesIndex(name);
        if (i < 0) {
            LivePlot::SeriesStyle style;
            style.markers = true;
            i = plot->addSeries(name, style);
        }
        const store::ScalarPoint p = clockPoint(e.step, e.value);
        plot->append(i, std::span<const store::ScalarPoint>(&p, 1));
    }
}

void RunMonitor::updateHeader() {
    if (storeFile_.isEmpty()) {
        header_->setText(tr("<i>No run selected</i>"));
        return;
    }
    QString text = QString("<b>%1</b>").arg(runName_.isEmpty() ? tr("run %1").arg(runId_) : runName_.toHtmlEscaped());
    QStringList parts;
    if (!method_.isEmpty()) parts << method_.toHtmlEscaped();
    if (!dataset_.isEmpty()) parts << dataset_.toHtmlEscaped();
    if (!status_.isEmpty()) parts << status_;
    if (lastStep_ >= 0) {
        parts << (maxSteps_ > 0 ? tr("step %1 of %2").arg(lastStep_).arg(maxSteps_)
                                : tr("step %1").arg(lastStep_));
    }
    if (!parts.isEmpty()) text += " &nbsp;·&nbsp; " + parts.join(" &nbsp;·&nbsp; ");
    header_->setText(text);
}

void RunMonitor::updateEmptyTexts() {
    const QString firstEval = evalEvery_ > 0   ? tr("the first runs at step %1").arg(evalEvery_)
                              : evalEvery_ == 0 ? tr("the first runs at the end of the first epoch")
                                                : tr("it runs as the experiment's evaluation settings say");
    const QString training = status_ == "queued"
                                 ? tr("Queued — points appear once the run starts")
                                 : tr("No training step yet — points appear after the first update");
    for (LivePlot* p : {loss_, lr_, gradNorm_, throughput_}) p->setEmptyText(training);
    const QString divergences = tr("No divergences yet — %1.\n(Measured by RQ1 evaluators: generated vs target titles.)")
                                    .arg(tr("no evaluation yet, %1").arg(firstEval));
    titleDiv_->setEmptyText(divergences);
    tokenDiv_->setEmptyText(divergences);
    groups_->setEmptyText(tr("No popularity-group histogram yet —\nno evaluation yet, %1.").arg(firstEval));
    evaluation_->setEmptyText(tr("No evaluation metrics yet — %1.").arg(firstEval));
    diagnostics_->setEmptyText(tr("No diagnostics yet — the step time and what the objective "
                                  "reports besides its loss terms appear after the first update."));
    if (samples_->rowCount() == 0) {
        samplesHeader_->setText(tr("No generated titles yet — they are stored at each evaluation "
                                   "(%1) when the evaluator keeps samples.").arg(firstEval));
    } else {
        samplesHeader_->setText(tr("Titles generated at step %1 (the latest evaluation): %2 of %3 "
                                   "are catalogue items.")
                                    .arg(samples_->step())
                                    .arg(samples_->validCount())
                                    .arg(samples_->rowCount()));
    }
}

}  // namespace flower::widgets
