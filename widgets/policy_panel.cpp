#include "widgets/policy_panel.h"

#include "widgets/custom_plot.h"
#include "widgets/flow_tree_model.h"
#include "widgets/plot_style.h"
#include "widgets/policy_worker.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>
#include <exception>
#include <limits>

namespace flower::widgets {

namespace {

constexpr int kFolderItem = -2;  // the slot box's "Checkpoint folder…" entry
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString qt(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

// Tick labels stay readable: long chunks are cut, spaces shown.
QString tickText(const QString& text) {
    QString t = text;
    t.replace('\n', QStringLiteral("⏎"));
    if (t.startsWith(' ')) t = QStringLiteral("␣") + t.mid(1);
    if (t.size() > 14) t = t.left(13) + QStringLiteral("…");
    return t;
}

QCustomPlot* makePlot(const QString& objectName) {
    auto* plot = new QCustomPlot;
    plot->setObjectName(objectName);
    plot->setMinimumSize(360, 250);
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, QString(), QFont(plot->font().family(), plot->font().pointSize(), QFont::Bold));
    plot->plotLayout()->addElement(0, 0, title);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    // The legend in a row of its own under the title: inside the axis rect it hid the bars.
    plot->legend->setVisible(true);
    plot->plotLayout()->insertRow(1);
    plot->plotLayout()->addElement(1, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setWrap(objectName == "policyTitle" ? 3 : 2);
    QFont small = plot->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    plot->legend->setFont(small);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->xAxis->grid()->setVisible(false);
    plot->xAxis->setTickLabelRotation(-35);
    plot->yAxis->setLabel(QObject::tr("probability"));
    return plot;
}

QCPTextElement* titleOf(QCustomPlot* plot) { return qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)); }

}  // namespace

PolicyPanel::PolicyPanel(QWidget* parent) : QWidget(parent) {
    setObjectName("policyPanel");
    worker_ = std::make_unique<PolicyWorker>([this](const PolicyResult& r) { onResult(r); });
    buildUi();
    drawEmpty(bars_, tr("Choose a policy (A or B) to compare it with the target"));
    drawEmpty(title_, tr("Per-token probabilities along a title appear here"));
}

PolicyPanel::~PolicyPanel() = default;

void PolicyPanel::buildUi() {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* controls = new QWidget;
    controls->setMaximumWidth(380);
    auto* form = new QFormLayout(controls);
    form->setContentsMargins(0, 0, 0, 0);
    auto* heading = new QLabel(tr("<b>Policy beside target</b>"));
    heading->setToolTip(tr("What a trained policy puts on the children of the selected prefix, next to "
                           "Flower's target F(child)/F(state)"));
    form->addRow(heading);
    for (int s = 0; s < 2; ++s) {
        auto* box = new QComboBox;
        box->setObjectName(s == 0 ? "policyA" : "policyB");
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(22);
        box->setToolTip(tr("A run of the store with a checkpoint (its best, else its last), or a checkpoint folder"));
        connect(box, &QComboBox::activated, this, [this, s] { onSlotChosen(s); });
        slotBox_[static_cast<std::size_t>(s)] = box;
        form->addRow(s == 0 ? tr("Policy A") : tr("Policy B"), box);
    }
    promptKind_ = new QComboBox;
    promptKind_->setObjectName("promptKind");
    promptKind_->addItem(tr("dataset row"));
    promptKind_->addItem(tr("history-free prompt"));
    promptKind_->addItem(tr("free text"));
    form->addRow(tr("Prompt"), promptKind_);
    auto* rowLine = new QHBoxLayout;
    split_ = new QComboBox;
    split_->setObjectName("promptSplit");
    split_->addItems({"train", "valid", "test"});
    split_->setCurrentIndex(2);
    row_ = new QSpinBox;
    row_->setObjectName("promptRow");
    row_->setRange(0, 9'999'999);
    row_->setKeyboardTracking(false);
    row_->setToolTip(tr("Row of the split (0 = the first); its history makes the prompt, as in training"));
    rowLine->addWidget(split_);
    rowLine->addWidget(new QLabel(tr("row")));
    rowLine->addWidget(row_, 1);
    form->addRow(tr("Row"), rowLine);
    freeText_ = new QLineEdit;
    freeText_->setObjectName("promptText");
    freeText_->setPlaceholderText(tr("the whole prompt, tokenized as one text"));
    form->addRow(tr("Text"), freeText_);
    whole_ = new QCheckBox(tr("policy over the whole vocabulary"));
    whole_->setObjectName("wholeVocabulary");
    whole_->setToolTip(tr("Off: the policy renormalised over the trie's children (what constrained decoding "
                          "draws). On: its softmax over every token (mass outside the tree is missing)."));
    form->addRow(whole_);
    status_ = new QLabel;
    status_->setObjectName("policyStatus");
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    busy_ = new QProgressBar;
    busy_->setRange(0, 0);
    busy_->setMaximumHeight(8);
    busy_->setTextVisible(false);
    busy_->setVisible(false);
    form->addRow(busy_);
    form->addRow(status_);
    layout->addWidget(controls);

    bars_ = makePlot("policyBars");
    title_ = makePlot("policyTitle");
    layout->addWidget(bars_, 3);
    layout->addWidget(title_, 2);

    connect(promptKind_, &QComboBox::currentIndexChanged, this, &PolicyPanel::onPromptEdited);
    connect(split_, &QComboBox::currentIndexChanged, this, &PolicyPanel::onPromptEdited);
    connect(row_, &QSpinBox::valueChanged, this, &PolicyPanel::onPromptEdited);
    connect(freeText_, &QLineEdit::editingFinished, this, &PolicyPanel::onPromptEdited);
    connect(whole_, &QCheckBox::toggled, this, [this] {
        drawBars();
        drawTitle();
    });
    onPromptEdited();
    fillSlots();
}

void PolicyPanel::setStore(const QString& file) {
    store_ = file;
    fillSlots();
}

void PolicyPanel::fillSlots() {
    std::vector<train::ProbeRun> runs;
    QString problem;
    if (!store_.isEmpty()) {
        try {
            runs = train::probeRuns(store_.toStdString());  // a few indexed queries
        } catch (const std::exception& e) {
            problem = QString::fromUtf8(e.what());
        }
    }
    filling_ = true;
    for (int s = 0; s < 2; ++s) {
        QComboBox* box = slotBox_[static_cast<std::size_t>(s)];
        const QString keep = box->currentData().toString();
        box->clear();
        box->addItem(tr("— none —"), QString());
        for (const auto& r : runs) {
            box->addItem(tr("#%1 %2 · %3 · step %4 (%5)")
                             .arg(r.runId)
                             .arg(qt(r.name), qt(r.method))
                             .arg(r.step)
                             .arg(qt(r.kind)),
                         qt(r.checkpoint.string()));
            box->setItemData(box->count() - 1, static_cast<qlonglong>(r.runId), Qt::UserRole + 1);
        }
        if (!keep.isEmpty() && box->findData(keep) < 0) box->addItem(QFileInfo(keep).filePath(), keep);
        box->addItem(tr("Checkpoint folder…"), kFolderItem);
        box->setCurrentIndex(std::max(0, box->findData(keep)));
    }
    filling_ = false;
    if (!problem.isEmpty()) status_->setText(tr("The store's runs could not be read: %1").arg(problem));
    else if (!store_.isEmpty() && runs.empty())
        status_->setText(tr("No run of this store has a checkpoint yet: train one (Experiment tab) or pick a folder."));
}

bool PolicyPanel::setSlotRun(int slot, qint64 runId) {
    QComboBox* box = slotBox_[static_cast<std::size_t>(slot)];
    for (int i = 0; i < box->count(); ++i) {
        if (box->itemData(i, Qt::UserRole + 1).toLongLong() == runId && runId != 0) {
            box->setCurrentIndex(i);
            request();
            return true;
        }
    }
    errors_[static_cast<std::size_t>(slot)] = tr("run %1 has no checkpoint in this store").arg(runId);
    status_->setText(errors_[static_cast<std::size_t>(slot)]);
    return false;
}

void PolicyPanel::setSlotCheckpoint(int slot, const QString& dir) {
    QComboBox* box = slotBox_[static_cast<std::size_t>(slot)];
    int i = box->findData(dir);
    if (i < 0) {
        box->insertItem(box->count() - 1, QFileInfo(dir).filePath(), dir);
        i = box->count() - 2;
    }
    box->setCurrentIndex(i);
    request();
}

void PolicyPanel::clearSlot(int slot) {
    slotBox_[static_cast<std::size_t>(slot)]->setCurrentIndex(0);
    request();
}

QString PolicyPanel::slotCheckpoint(int slot) const {
    const QVariant v = slotBox_[static_cast<std::size_t>(slot)]->currentData();
    return v.typeId() == QMetaType::QString ? v.toString() : QString();
}

void PolicyPanel::onSlotChosen(int slot) {
    if (filling_) return;
    QComboBox* box = slotBox_[static_cast<std::size_t>(slot)];
    if (box->currentData().typeId() != QMetaType::QString) {  // "Checkpoint folder…"
        const QString dir = QFileDialog::getExistingDirectory(this, tr("A checkpoint folder (config.json, weights, experiment.json)"));
        if (dir.isEmpty()) {
            box->setCurrentIndex(0);
        } else {
            setSlotCheckpoint(slot, dir);
            return;
        }
    }
    request();
}

void PolicyPanel::setPrompt(const train::ProbePrompt& prompt) {
    const QSignalBlocker a(promptKind_), b(split_), c(row_);
    promptKind_->setCurrentIndex(static_cast<int>(prompt.kind));
    split_->setCurrentIndex(static_cast<int>(prompt.split));
    row_->setValue(static_cast<int>(prompt.row));
    freeText_->setText(qt(prompt.text));
    onPromptEdited();
}

train::ProbePrompt PolicyPanel::prompt() const {
    switch (promptKind_->currentIndex()) {
        case 0: return train::ProbePrompt::datasetRow(static_cast<train::Split>(split_->currentIndex()), row_->value());
        case 2: return train::ProbePrompt::freeText(freeText_->text().toStdString());
        default: return train::ProbePrompt::historyFree();
    }
}

void PolicyPanel::onPromptEdited() {
    const int kind = promptKind_->currentIndex();
    split_->setEnabled(kind == 0);
    row_->setEnabled(kind == 0);
    freeText_->setEnabled(kind == 2);
    request();
}

void PolicyPanel::setWholeVocabulary(bool on) { whole_->setChecked(on); }

void PolicyPanel::setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer) {
    explorer_ = std::move(explorer);
    children_.clear();
    state_ = {};
    barsState_ = {};
}

void PolicyPanel::showState(flow::FlowExplorer::State state, const std::vector<flow::FlowExplorer::Child>& children) {
    state_ = state;
    children_ = children;
    barsState_ = state;
    // At a title's end there is nothing to choose: the bars show the choice that led here (the
    // parent's children, ⊤ among them), the title chart the title itself.
    if (children_.empty() && explorer_) {
        if (const auto parent = explorer_->parent(state)) {
            barsState_ = *parent;
            children_ = explorer_->children(*parent);
        }
    }
    request();
}

std::optional<flow::TitleIndex> PolicyPanel::followedTitle() const {
    if (!explorer_) return std::nullopt;
    const auto titles = explorer_->trie().titlesBelow(state_.node);
    if (titles.empty()) return std::nullopt;
    flow::TitleIndex best = titles.front();
    for (const auto t : titles) {
        if (explorer_->flows().reward(t) > explorer_->flows().reward(best)) best = t;
    }
    return best;
}

void PolicyPanel::request() {
    if (filling_) return;
    PolicyRequest r;
    r.generation = ++generation_;
    bool any = false;
    for (int s = 0; s < 2; ++s) {
        r.checkpoints[static_cast<std::size_t>(s)] = slotCheckpoint(s);
        any = any || !r.checkpoints[static_cast<std::size_t>(s)].isEmpty();
    }
    if (!any) {
        result_.reset();
        errors_ = {};
        busy_->setVisible(false);
        status_->setText(store_.isEmpty() ? tr("Pick a checkpoint folder for A or B (no run store is open).")
                                          : tr("Pick a run for A and/or B: an SFT and a Flower run side by side."));
        shownGeneration_ = generation_;
        drawBars();
        drawTitle();
        Q_EMIT resultShown();
        return;
    }
    r.prompt = prompt();
    r.explorer = explorer_;
    r.node = barsState_.node;
    for (const auto& c : children_) r.chunks.push_back(c.tokens);
    r.title = followedTitle();
    busy_->setVisible(true);
    status_->setText(tr("Computing the policies' probabilities (%1)…").arg(qt(r.prompt.describe())));
    worker_->submit(std::move(r));
}

void PolicyPanel::onResult(const PolicyResult& result) {
    if (result.generation != generation_) return;  // a newer request is on its way
    shownGeneration_ = result.generation;
    result_ = std::make_unique<PolicyResult>(result);
    busy_->setVisible(false);
    lastBarsMs_ = result.barsMs;
    QStringList lines;
    for (int s = 0; s < 2; ++s) {
        const auto& slot = result.slots[static_cast<std::size_t>(s)];
        errors_[static_cast<std::size_t>(s)] = slot.error;
        if (!slot.used) continue;
        const QString name = s == 0 ? QStringLiteral("A") : QStringLiteral("B");
        if (!slot.error.isEmpty()) {
            lines << tr("<b>%1</b> %2: <span style='color:#c0392b'>%3</span>")
                         .arg(name, slot.label.toHtmlEscaped(), slot.error.toHtmlEscaped());
        } else {
            lines << tr("<b>%1</b> %2").arg(name, slot.label.toHtmlEscaped());
            if (slot.rows >= 0) row_->setMaximum(static_cast<int>(std::max<std::int64_t>(0, slot.rows - 1)));
        }
    }
    for (const auto& slot : result.slots) {
        if (slot.used && slot.error.isEmpty()) {
            // The whole prompt is long (BIGRec's instruction): the tooltip holds it.
            status_->setToolTip(tr("The prompt, decoded:\n\n") + slot.promptText);
            lines << tr("<span style='color:#666'>%1 · bars %2 ms (all %3 ms) · hover for the prompt</span>")
                         .arg(qt(prompt().describe()))
                         .arg(result.barsMs, 0, 'f', 0)
                         .arg(result.totalMs, 0, 'f', 0);
            break;
        }
    }
    status_->setText(lines.join("<br>"));
    drawBars();
    drawTitle();
    Q_EMIT resultShown();
}

void PolicyPanel::drawEmpty(QCustomPlot* plot, const QString& text) {
    plot->clearPlottables();
    plot->clearItems();
    auto* note = new QCPItemText(plot);
    note->position->setType(QCPItemPosition::ptAxisRectRatio);
    note->position->setCoords(0.5, 0.5);
    note->setPositionAlignment(Qt::AlignCenter);
    note->setText(text);
    note->setColor(palette().color(QPalette::WindowText));
    plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->xAxis->setRange(0, 1);
    plot->yAxis->setRange(0, 1);
    PlotStyle::apply(plot, palette());
    plot->replot();
}

void PolicyPanel::drawBars() {
    shownBars_.clear();
    shownLabels_.clear();
    const bool whole = whole_->isChecked();
    QString prefix = explorer_ ? qt(explorer_->node(barsState_).text) : QString();
    if (prefix.size() > 50) prefix = QStringLiteral("…") + prefix.right(49);
    titleOf(bars_)->setText(prefix.isEmpty() ? tr("Next step at the root: policy vs target")
                                             : tr("Next step after “%1”: policy vs target").arg(prefix));
    if (!explorer_ || children_.empty()) {
        drawEmpty(bars_, explorer_ ? tr("A title ends here: no children") : tr("No prefix tree loaded"));
        return;
    }
    bars_->clearPlottables();
    bars_->clearItems();
    const std::size_t n = children_.size();
    const std::size_t shown = std::min<std::size_t>(n, kShownChildren);
    const bool other = n > shown;
    const auto value = [&](std::size_t slot, std::size_t i) -> double {
        if (!result_ || slot >= 2) return kNaN;
        const auto& s = result_->slots[slot];
        if (!s.used || !s.error.isEmpty() || s.children.size() != n) return kNaN;
        return whole ? s.children[i].vocabulary : s.children[i].constrained;
    };
    for (std::size_t i = 0; i < shown + (other ? 1 : 0); ++i) {
        std::array<double, 3> v{};
        if (i < shown) {
            v = {children_[i].probability, value(0, i), value(1, i)};
            shownLabels_ << (children_[i].terminates ? QStringLiteral("⊤") : tickText(qt(children_[i].text)));
        } else {
            v = {0.0, 0.0, 0.0};
            for (std::size_t j = shown; j < n; ++j) {
                v[0] += children_[j].probability;
                v[1] += value(0, j);
                v[2] += value(1, j);
            }
            shownLabels_ << tr("other %1").arg(n - shown);
        }
        shownBars_.push_back(v);
    }
    auto* group = new QCPBarsGroup(bars_);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys;
    for (int i = 0; i < shownLabels_.size(); ++i) {
        keys << i + 1;
        ticker->addTick(i + 1, shownLabels_[i]);
    }
    bars_->xAxis->setTicker(ticker);
    bars_->xAxis->setLabel(tr("child of the state (largest target first; ⊤ ends the title)"));
    double top = 0.0;
    int series = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        if (k > 0 && (!result_ || !result_->slots[k - 1].used || !result_->slots[k - 1].error.isEmpty())) continue;
        QVector<double> values;
        for (const auto& v : shownBars_) {
            values << (std::isnan(v[k]) ? 0.0 : v[k]);
            top = std::max(top, values.back());
        }
        auto* b = new QCPBars(bars_->xAxis, bars_->yAxis);
        const QString slot = k == 1 ? QStringLiteral("A") : QStringLiteral("B");
        b->setName(k == 0 ? tr("target F(child)/F(state)")
                          : tr("%1 %2, %3").arg(slot, result_->slots[k - 1].label,
                                                whole ? tr("whole vocabulary") : tr("in the trie")));
        b->setWidthType(QCPBars::wtPlotCoords);
        b->setData(keys, values);
        const QColor c = PlotStyle::seriesColor(k == 0 ? 7 : static_cast<int>(k - 1), palette());
        b->setPen(QPen(c.darker(120)));
        b->setBrush(c);
        group->append(b);
        ++series;
    }
    for (int i = 0; i < bars_->plottableCount(); ++i) {
        qobject_cast<QCPBars*>(bars_->plottable(i))->setWidth(0.8 / std::max(1, series));
    }
    bars_->xAxis->setRange(0.4, shownLabels_.size() + 0.6);
    bars_->yAxis->setRange(0, std::max(0.05, top * 1.15));
    PlotStyle::apply(bars_, palette());
    bars_->replot();
}

void PolicyPanel::drawTitle() {
    const auto t = followedTitle();
    if (!explorer_ || !t) {
        titleOf(title_)->setText(tr("Along a title"));
        drawEmpty(title_, tr("Select a state to follow its largest title"));
        return;
    }
    const auto& trie = explorer_->trie();
    const auto& flows = explorer_->flows();
    const double share = std::exp(flows.titleLogProbability(*t));
    const bool whole = whole_->isChecked();
    QStringList head;
    QString name = qt(trie.title(*t));
    if (name.size() > 40) name = name.left(39) + QStringLiteral("…");
    head << tr("“%1”").arg(name) << tr("P(title): target share %1").arg(FlowTreeModel::formatProbability(share));
    title_->clearPlottables();
    title_->clearItems();
    // Target along the path: F(node)/F(parent) of each token's node.
    std::vector<text::TokenId> tokens(trie.titleTokens(*t).begin(), trie.titleTokens(*t).end());
    tokens.push_back(trie.terminationToken());
    std::vector<double> target;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys;
    flow::NodeId node = flow::TitleTrie::kRoot;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        node = trie.child(node, tokens[i]);
        target.push_back(flows.targetProbability(node));
        keys << static_cast<double>(i + 1);
        const text::TokenId one[] = {tokens[i]};
        ticker->addTick(static_cast<double>(i + 1), tickText(qt(explorer_->chunkText(one))));
    }
    auto* group = new QCPBarsGroup(title_);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    int series = 0;
    const auto add = [&](const QString& name, const QVector<double>& values, int color) {
        auto* b = new QCPBars(title_->xAxis, title_->yAxis);
        b->setName(name);
        b->setWidthType(QCPBars::wtPlotCoords);
        b->setData(keys, values);
        const QColor c = PlotStyle::seriesColor(color, palette());
        b->setPen(QPen(c.darker(120)));
        b->setBrush(c);
        group->append(b);
        ++series;
    };
    add(tr("target"), QVector<double>(target.begin(), target.end()), 7);
    for (std::size_t s = 0; s < 2 && result_; ++s) {
        const auto& slot = result_->slots[s];
        if (!slot.used || !slot.error.isEmpty() || !slot.title || slot.title->tokens.size() != tokens.size()) continue;
        QVector<double> values;
        for (const auto& p : slot.title->tokens) values << (whole ? p.vocabulary : p.constrained);
        const QString name = s == 0 ? QStringLiteral("A") : QStringLiteral("B");
        add(name, values, static_cast<int>(s));
        head << tr("%1 %2").arg(name, FlowTreeModel::formatProbability(
                                          std::exp(whole ? slot.title->logVocabulary : slot.title->logConstrained)));
    }
    for (int i = 0; i < title_->plottableCount(); ++i) {
        qobject_cast<QCPBars*>(title_->plottable(i))->setWidth(0.8 / std::max(1, series));
    }
    titleOf(title_)->setText(head.front() + "\n" + head.mid(1).join(" · "));
    title_->xAxis->setTicker(ticker);
    title_->xAxis->setLabel(whole ? tr("token of the title (policy over the whole vocabulary)")
                                  : tr("token of the title (policy in the trie)"));
    title_->xAxis->setRange(0.4, static_cast<double>(tokens.size()) + 0.6);
    title_->yAxis->setRange(0, 1.05);
    PlotStyle::apply(title_, palette());
    title_->replot();
}

bool PolicyPanel::isComputing() const { return worker_->busy() || shownGeneration_ != generation_; }

QString PolicyPanel::statusText() const { return status_->text(); }

ExportablePlots PolicyPanel::exportablePlots() const {
    return {{tr("Policy vs target: next step"), bars_}, {tr("Policy vs target: along a title"), title_}};
}

void PolicyPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        drawBars();
        drawTitle();
    }
}

}  // namespace flower::widgets
