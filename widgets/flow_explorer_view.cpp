#include "widgets/flow_explorer_view.h"

#include "core/train/flow_explorer_assembly.h"
#include "widgets/flow_graph_view.h"
#include "widgets/flow_tree_model.h"
#include "widgets/policy_panel.h"

#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTextBrowser>
#include <QTreeView>
#include <QVBoxLayout>

#include <exception>

namespace flower::widgets {

using State = flow::FlowExplorer::State;

namespace {

enum Page { EmptyPage, BusyPage, ErrorPage, ExplorerPage };

QString qt(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QString ids(const std::vector<text::TokenId>& tokens) {
    QStringList out;
    for (const auto t : tokens) out << QString::number(t);
    return "[" + out.join(", ") + "]";
}

}  // namespace

FlowExplorerView::FlowExplorerView(QWidget* parent) : QWidget(parent) {
    setObjectName("flowExplorer");
    buildUi();
}

FlowExplorerView::~FlowExplorerView() {
    // The worker posts to this object: it must end before the object does.
    if (worker_) worker_->wait();
}

void FlowExplorerView::buildUi() {
    auto* outer = new QVBoxLayout(this);
    stack_ = new QStackedWidget(this);
    outer->addWidget(stack_);

    // Empty state: what this tab is and how to fill it.
    auto* empty = new QWidget;
    auto* el = new QVBoxLayout(empty);
    emptyText_ = new QLabel(
        tr("<h3>Prefix-tree flows</h3>"
           "<p>This tab shows the title prefix tree of an experiment's dataset, built with its "
           "tokenizer, reward variant and granularity, and Flower's target flows on it: for every "
           "prefix, F (the summed rewards of the titles below) and each next token's target "
           "probability F(child)/F(prefix).</p>"
           "<p>No experiment is loaded yet. Fill in the <b>Experiment</b> tab (or start the "
           "workbench with <tt>--experiment FILE</tt>), then press the button.</p>"));
    emptyText_->setWordWrap(true);
    emptyText_->setTextFormat(Qt::RichText);
    auto* useForm = new QPushButton(tr("Explore the experiment form's dataset"));
    connect(useForm, &QPushButton::clicked, this, [this] {
        triedSource_ = false;
        loadFromSource();
    });
    el->addStretch();
    el->addWidget(emptyText_);
    el->addWidget(useForm, 0, Qt::AlignLeft);
    el->addStretch();
    stack_->addWidget(empty);

    auto* busyPage = new QWidget;
    auto* bl = new QVBoxLayout(busyPage);
    busyText_ = new QLabel(tr("Building the prefix tree…"));
    busy_ = new QProgressBar;
    busy_->setRange(0, 0);
    busy_->setMaximumWidth(420);
    bl->addStretch();
    bl->addWidget(busyText_, 0, Qt::AlignHCenter);
    bl->addWidget(busy_, 0, Qt::AlignHCenter);
    bl->addStretch();
    stack_->addWidget(busyPage);

    auto* errorPage = new QWidget;
    auto* xl = new QVBoxLayout(errorPage);
    errorText_ = new QLabel;
    errorText_->setWordWrap(true);
    errorText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* retry = new QPushButton(tr("Try the experiment form's settings again"));
    connect(retry, &QPushButton::clicked, this, [this] {
        triedSource_ = false;
        loadFromSource();
    });
    xl->addStretch();
    xl->addWidget(errorText_);
    xl->addWidget(retry, 0, Qt::AlignLeft);
    xl->addStretch();
    stack_->addWidget(errorPage);

    // The explorer.
    auto* page = new QWidget;
    auto* pl = new QVBoxLayout(page);
    pl->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    context_ = new QLabel;
    context_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(context_, 1);
    auto* reload = new QPushButton(tr("Reload from the form"));
    reload->setToolTip(tr("Build the tree of the experiment form's current settings"));
    connect(reload, &QPushButton::clicked, this, [this] {
        triedSource_ = false;
        loadFromSource();
    });
    top->addWidget(reload);
    export_ = new QPushButton(tr("Export picture…"));
    export_->setToolTip(tr("Save the graph as PNG, SVG or PDF"));
    connect(export_, &QPushButton::clicked, this, &FlowExplorerView::chooseExport);
    top->addWidget(export_);
    pl->addLayout(top);

    auto* split = new QSplitter(Qt::Horizontal);
    auto* left = new QWidget;
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Find a title (part of it, any case)…"));
    search_->setClearButtonEnabled(true);
    connect(search_, &QLineEdit::textChanged, this, &FlowExplorerView::onSearchEdited);
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        if (hits_->count() > 0) onHitActivated(hits_->item(0));
    });
    searchInfo_ = new QLabel;
    searchInfo_->setVisible(false);
    hits_ = new QListWidget;
    hits_->setMaximumHeight(150);
    hits_->setVisible(false);
    connect(hits_, &QListWidget::itemActivated, this, &FlowExplorerView::onHitActivated);
    connect(hits_, &QListWidget::itemClicked, this, &FlowExplorerView::onHitActivated);
    tree_ = new QTreeView;
    model_ = new FlowTreeModel(this);
    tree_->setModel(model_);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(FlowTreeModel::TokenColumn, QHeaderView::Stretch);
    // Fixed widths from the font, not ResizeToContents: that measures every visible row at
    // each change (15 ms a selection on a 5,000-title tree, most of an expansion's budget).
    const QFontMetrics metrics(tree_->font());
    const int numberWidth = metrics.horizontalAdvance(QStringLiteral("−0.00000")) + 14;
    for (int c = 1; c < FlowTreeModel::ColumnCount; ++c) {
        tree_->header()->setSectionResizeMode(c, QHeaderView::Interactive);
        tree_->header()->resizeSection(c, numberWidth);
    }
    tree_->header()->setMinimumSectionSize(40);
    left->setMinimumWidth(metrics.horizontalAdvance(QStringLiteral("M")) * 14 + 4 * numberWidth);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &FlowExplorerView::onTreeCurrentChanged);
    ll->addWidget(search_);
    ll->addWidget(searchInfo_);
    ll->addWidget(hits_);
    ll->addWidget(tree_, 1);
    split->addWidget(left);

    auto* middle = new QWidget;
    auto* ml = new QVBoxLayout(middle);
    ml->setContentsMargins(0, 0, 0, 0);
    crumbs_ = new QLabel;
    crumbs_->setTextFormat(Qt::RichText);
    crumbs_->setWordWrap(true);
    crumbs_->setToolTip(tr("Click a step of the path to climb to it"));
    connect(crumbs_, &QLabel::linkActivated, this,
            [this](const QString& link) { selectState(flow::FlowExplorer::fromKey(link.toULongLong())); });
    graph_ = new FlowGraphView;
    connect(graph_, &FlowGraphView::stateActivated, this,
            [this](quint64 key) { selectState(flow::FlowExplorer::fromKey(key)); });
    ml->addWidget(crumbs_);
    ml->addWidget(graph_, 1);
    split->addWidget(middle);

    details_ = new QTextBrowser;
    details_->setOpenLinks(false);
    connect(details_, &QTextBrowser::anchorClicked, this,
            [this](const QUrl& url) { selectState(flow::FlowExplorer::fromKey(url.fragment().toULongLong())); });
    split->addWidget(details_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 5);
    split->setStretchFactor(2, 3);
    split->setSizes({500, 640, 360});
    // The policy panel below the three panes, full width: its bars need the room.
    auto* vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(split);
    policy_ = new PolicyPanel;
    vertical->addWidget(policy_);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setSizes({560, 340});
    pl->addWidget(vertical, 1);
    stack_->addWidget(page);
    stack_->setCurrentIndex(EmptyPage);
}

void FlowExplorerView::setConfigSource(std::function<std::optional<run::ExperimentConfig>()> source) {
    source_ = std::move(source);
}

void FlowExplorerView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!explorer_ && !building_ && !triedSource_ && source_) loadFromSource();
}

void FlowExplorerView::loadFromSource() {
    triedSource_ = true;
    if (!source_) return;
    const auto config = source_();
    if (!config) {
        emptyText_->setText(emptyText_->text().section("<p><i>", 0, 0) +
                            tr("<p><i>The experiment form holds no valid experiment yet: its message "
                               "says which field to fix.</i></p>"));
        if (!explorer_) stack_->setCurrentIndex(EmptyPage);
        Q_EMIT buildFailed(tr("the experiment form holds no valid experiment"));
        return;
    }
    loadExperiment(*config);
}

void FlowExplorerView::loadExperiment(const run::ExperimentConfig& config) {
    // An RQ1 experiment's policies read one fixed prompt; BIGRec ones a row's history.
    if (config.promptTemplate == "history_free") policy_->setPrompt(train::ProbePrompt::historyFree());
    if (building_) {
        pending_ = config;
        return;
    }
    startBuild(config);
}

void FlowExplorerView::startBuild(const run::ExperimentConfig& config) {
    building_ = true;
    const int generation = ++generation_;
    busyText_->setText(tr("Building the prefix tree of %1…").arg(QString::fromStdString(config.dataset)));
    stack_->setCurrentIndex(BusyPage);
    worker_ = QThread::create([this, config, generation] {
        std::shared_ptr<const flow::FlowExplorer> built;
        QString error;
        try {
            built = std::make_shared<const flow::FlowExplorer>(train::openFlowExplorer(
                config, [this](const std::string& stage) {
                    const QString text = tr("Building the prefix tree: %1…").arg(QString::fromStdString(stage));
                    QMetaObject::invokeMethod(this, [this, text] { busyText_->setText(text); }, Qt::QueuedConnection);
                }));
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            this, [this, generation, built, error] { finishBuild(generation, built, error); },
            Qt::QueuedConnection);
    });
    connect(worker_, &QThread::finished, worker_, &QObject::deleteLater);
    worker_->start();
}

void FlowExplorerView::finishBuild(int generation, std::shared_ptr<const flow::FlowExplorer> explorer,
                                   const QString& error) {
    if (generation != generation_) return;
    building_ = false;
    if (pending_) {
        const run::ExperimentConfig next = *pending_;
        pending_.reset();
        startBuild(next);
        return;
    }
    if (!error.isEmpty()) {
        errorText_->setText(tr("<h3>The prefix tree could not be built</h3><p>%1</p>").arg(error.toHtmlEscaped()));
        stack_->setCurrentIndex(ErrorPage);
        Q_EMIT buildFailed(error);
        return;
    }
    setExplorer(std::move(explorer));
}

void FlowExplorerView::setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer) {
    explorer_ = std::move(explorer);
    model_->setExplorer(explorer_);
    graph_->setExplorer(explorer_);
    policy_->setExplorer(explorer_);
    search_->clear();
    if (!explorer_) {
        stack_->setCurrentIndex(EmptyPage);
        return;
    }
    const auto& s = explorer_->summary();
    QString text = tr("<b>%1</b> · %2 titles · %3 nodes · reward <b>%4</b>%5 · granularity n = %6 · "
                      "smoothing α = %7 · F(root) = %8")
                       .arg(qt(s.source).toHtmlEscaped())
                       .arg(s.titles)
                       .arg(s.nodes)
                       .arg(qt(s.variant).toHtmlEscaped())
                       .arg(s.variant == "flow" || s.variant.empty()
                                ? QString()
                                : tr(" (shown: the flows it scales per training row)"))
                       .arg(s.granularity)
                       .arg(s.smoothing)
                       .arg(FlowTreeModel::formatFlow(s.totalFlow));
    context_->setText(text);
    stack_->setCurrentIndex(ExplorerPage);
    current_ = explorer_->root();
    selectState(explorer_->root());
    Q_EMIT explorerReady();
}

void FlowExplorerView::selectState(State state) {
    if (!explorer_) return;
    current_ = state;
    const QModelIndex index = model_->indexOf(state);
    // The tree's own currentChanged comes back here; the flag stops that echo.
    selecting_ = true;
    if (index.isValid()) {
        if (tree_->currentIndex() != index) {
            tree_->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
        tree_->scrollTo(index);
    } else {
        tree_->selectionModel()->clear();
    }
    selecting_ = false;
    graph_->showState(state, model_->childrenOf(state));
    policy_->showState(state, model_->childrenOf(state));
    updateBreadcrumb();
    updateDetails();
}

void FlowExplorerView::onTreeCurrentChanged() {
    const QModelIndex index = tree_->currentIndex();
    if (selecting_ || !index.isValid()) return;
    selectState(model_->stateOf(index));
}

void FlowExplorerView::jumpToTitle(flow::TitleIndex t) {
    if (!explorer_ || t < 0 || static_cast<std::size_t>(t) >= explorer_->trie().titleCount()) return;
    const State end = explorer_->titleState(t);
    for (const State s : explorer_->path(end)) {
        if (const QModelIndex i = model_->indexOf(s); i.isValid() && s != end) tree_->expand(i);
    }
    selectState(end);
}

void FlowExplorerView::onSearchEdited(const QString& text) {
    hits_->clear();
    const bool any = !text.isEmpty() && explorer_;
    hits_->setVisible(false);
    searchInfo_->setVisible(any);
    if (!any) return;
    constexpr std::size_t kLimit = 50;
    const auto found = explorer_->search(text.toStdString(), kLimit + 1);
    for (std::size_t i = 0; i < std::min(found.size(), kLimit); ++i) {
        const auto t = found[i];
        auto* item = new QListWidgetItem(
            tr("%1   (reward %2)").arg(qt(explorer_->trie().title(t)), FlowTreeModel::formatFlow(explorer_->flows().reward(t))));
        item->setData(Qt::UserRole, t);
        hits_->addItem(item);
    }
    hits_->setVisible(!found.empty());
    if (found.empty()) {
        searchInfo_->setText(tr("No title contains “%1”.").arg(text));
    } else if (found.size() > kLimit) {
        searchInfo_->setText(tr("The first %1 titles containing “%2” (Enter jumps to the first):").arg(kLimit).arg(text));
    } else {
        searchInfo_->setText(tr("%n title(s) containing “%1” (Enter jumps to the first):", nullptr,
                                static_cast<int>(found.size())).arg(text));
    }
}

void FlowExplorerView::onHitActivated(QListWidgetItem* item) {
    if (item == nullptr) return;
    jumpToTitle(item->data(Qt::UserRole).toInt());
}

void FlowExplorerView::updateBreadcrumb() {
    if (!explorer_) return;
    QStringList parts;
    const auto path = explorer_->path(current_);
    for (std::size_t i = 0; i < path.size(); ++i) {
        const State s = path[i];
        QString label;
        if (i == 0) {
            label = tr("root");
        } else {
            const auto& siblings = model_->childrenOf(path[i - 1]);
            for (const auto& c : siblings) {
                if (c.state == s) {
                    label = c.terminates ? QStringLiteral("⊤") : "“" + qt(c.text) + "”";
                    break;
                }
            }
        }
        label = label.toHtmlEscaped();
        if (i + 1 == path.size()) {
            parts << "<b>" + label + "</b>";
        } else {
            parts << QString("<a href=\"%1\">%2</a>").arg(flow::FlowExplorer::key(s)).arg(label);
        }
    }
    crumbs_->setText(tr("Path: ") + parts.join(" › "));
}

void FlowExplorerView::updateDetails() {
    if (!explorer_) return;
    const auto node = explorer_->node(current_);
    const bool root = current_ == explorer_->root();
    const double total = explorer_->flow(explorer_->root());
    QString html;
    html += "<h3>" + (root ? tr("The root (empty prefix)") : "“" + qt(node.text).toHtmlEscaped() + "”") + "</h3>";
    html += "<table cellspacing=2>";
    const auto row = [&html](const QString& k, const QString& v) {
        html += "<tr><td><b>" + k + "</b></td><td>" + v + "</td></tr>";
    };
    row(tr("token ids"), root ? tr("none") : ids(node.tokens));
    row(tr("depth"), tr("%1 tokens").arg(node.depth));
    row(tr("F(state)"), FlowTreeModel::formatFlow(node.flow));
    row(tr("F / F(root)"), FlowTreeModel::formatProbability(total > 0 ? node.flow / total : 0.0));
    row(tr("titles below"), QString::number(node.titles));
    if (const auto p = explorer_->parent(current_)) {
        const double pf = explorer_->flow(*p);
        const double prob = pf > 0 ? node.flow / pf : 0.0;
        row(tr("p = F/F(parent)"), FlowTreeModel::formatProbability(prob));
    }
    html += "</table>";
    if (node.terminal) {
        const auto titles = explorer_->trie().titlesBelow(current_.node);
        for (const auto t : titles) {
            QStringList items;
            for (const auto id : explorer_->trie().itemIds(t)) items << QString::number(id);
            html += "<p>" + tr("Title <b>%1</b> (item id %2): reward %3, target share %4 of all titles.")
                                .arg(qt(explorer_->trie().title(t)).toHtmlEscaped(), items.join(", "),
                                     FlowTreeModel::formatFlow(explorer_->flows().reward(t)),
                                     FlowTreeModel::formatProbability(total > 0 ? explorer_->flows().reward(t) / total : 0.0)) +
                    "</p>";
        }
    }
    const auto& children = model_->childrenOf(current_);
    if (!children.empty()) {
        // The tree lists them all; a long rich-text table would cost most of a selection's paint.
        constexpr std::size_t kRows = 20;
        html += "<p><b>" + tr("Children (%1), largest flow first").arg(children.size()) + "</b></p>";
        html += "<table border=0 cellspacing=0 cellpadding=2><tr><th align=left>" + tr("token") + "</th><th>" +
                tr("ids") + "</th><th align=right>F</th><th align=right>p</th><th align=right>" + tr("log r") +
                "</th></tr>";
        for (std::size_t i = 0; i < std::min(children.size(), kRows); ++i) {
            const auto& c = children[i];
            const QString text = c.terminates ? QStringLiteral("⊤") : "“" + qt(c.text).toHtmlEscaped() + "”";
            html += QString("<tr><td><a href=\"#%1\">%2</a></td><td>%3</td><td align=right>%4</td>"
                            "<td align=right>%5</td><td align=right>%6</td></tr>")
                        .arg(flow::FlowExplorer::key(c.state))
                        .arg(text, ids(c.tokens), FlowTreeModel::formatFlow(c.flow),
                             FlowTreeModel::formatProbability(c.probability),
                             FlowTreeModel::formatLogReward(c.logReward));
        }
        html += "</table>";
        if (children.size() > kRows) {
            html += "<p><i>" + tr("… and %1 more (all of them in the tree)").arg(children.size() - kRows) + "</i></p>";
        }
    }
    html += "<p style='color:#666'>" +
            tr("F: sum of the rewards (+ smoothing) of the titles below. p: the target probability "
               "F(child)/F(state) that Flower's process rewards log p teach the policy. ⊤ ends a title.") +
            "</p>";
    details_->setHtml(html);
}

void FlowExplorerView::chooseExport() {
    const QString file = QFileDialog::getSaveFileName(this, tr("Export the flow picture"), "flows.png",
                                                      tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"));
    if (file.isEmpty()) return;
    if (const QString error = exportGraph(file); !error.isEmpty()) {
        QMessageBox::warning(this, tr("Export"), error);
    }
}

QString FlowExplorerView::exportGraph(const QString& file) const { return graph_->exportTo(file); }

ExportablePlots FlowExplorerView::exportablePlots() const {
    ExportablePlots plots{{tr("Flow graph"), graph_}};
    plots += policy_->exportablePlots();
    return plots;
}

void FlowExplorerView::setStore(const QString& file) { policy_->setStore(file); }

QString FlowExplorerView::statusText() const {
    switch (stack_->currentIndex()) {
        case EmptyPage: return emptyText_->text();
        case BusyPage: return busyText_->text();
        case ErrorPage: return errorText_->text();
        default: return context_->text();
    }
}

}  // namespace flower::widgets
