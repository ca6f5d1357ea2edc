#include "widgets/run_list_view.h"

#include "widgets/run_filter_proxy.h"
#include "widgets/run_group_model.h"
#include "widgets/run_list_model.h"

#include <QHeaderView>

#include <algorithm>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QTreeView>
#include <QVBoxLayout>

namespace flower::widgets {

RunListView::RunListView(RunListModel* model, QWidget* parent)
    : QWidget(parent), model_(model), proxy_(new RunFilterProxy(this)), groups_(nullptr),
      filter_(new QLineEdit(this)), table_(new QTreeView(this)) {
    setObjectName(QStringLiteral("runList"));
    filter_->setObjectName(QStringLiteral("runFilter"));
    filter_->setPlaceholderText(tr("Filter runs by name, method, tag or note…"));
    filter_->setClearButtonEnabled(true);
    proxy_->setSourceModel(model_);
    groups_ = new RunGroupModel(proxy_, model_, this);
    table_->setObjectName(QStringLiteral("runTable"));
    table_->setModel(groups_);
    // Rows of one height: the view lays out 100 runs without measuring each.
    table_->setUniformRowHeights(true);
    table_->setRootIsDecorated(true);
    table_->setItemsExpandable(true);
    table_->setExpandsOnDoubleClick(true);
    table_->setAllColumnsShowFocus(true);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunListModel::Id, Qt::DescendingOrder);  // newest first
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->header()->setStretchLastSection(true);
    table_->header()->setSectionsMovable(true);
    const QFontMetrics fm = table_->fontMetrics();
    const auto width = [&](int column, const QString& sample) {
        table_->setColumnWidth(column, fm.horizontalAdvance(sample) + 24);
    };
    width(RunListModel::Id, QStringLiteral("▸ sweep 99"));
    // Sweep runs are named "<sweep>/lambda=0.1,seed=2": room for one of those.
    width(RunListModel::Name, QStringLiteral("demo-lambda-seeds/lambda=0.01,seed=1"));
    width(RunListModel::Method, QStringLiteral("flower"));
    width(RunListModel::Dataset, QStringLiteral("synthetic:items=100"));
    width(RunListModel::Reward, QStringLiteral("Reward"));
    width(RunListModel::Lambda, QStringLiteral("0.001"));
    width(RunListModel::Seed, QStringLiteral("Seed"));
    width(RunListModel::Status, QStringLiteral("running 100% · ETA 10:00"));
    width(RunListModel::Started, QStringLiteral("12-31 23:59"));
    width(RunListModel::Duration, QStringLiteral("Duration"));
    width(RunListModel::LastLoss, QStringLiteral("Last loss"));
    width(RunListModel::BestMetric, QStringLiteral("Best valid"));
    width(RunListModel::TitleJs, QStringLiteral("Title JS"));
    width(RunListModel::Tags, QStringLiteral("baseline, paper"));
    table_->setContextMenuPolicy(Qt::CustomContextMenu);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(filter_);
    layout->addWidget(table_);

    connect(filter_, &QLineEdit::textChanged, proxy_, &RunFilterProxy::setFilterText);
    connect(groups_, &QAbstractItemModel::layoutChanged, this, &RunListView::expandNewGroups);
    connect(table_, &QWidget::customContextMenuRequested, this, &RunListView::showMenu);
    connect(table_, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        // Tags and notes are edited on double-click; any other cell opens the run.
        // A group row expands instead (the view's own double-click).
        const qint64 id = index.data(RunListModel::RunIdRole).toLongLong();
        if (id > 0 && index.column() != RunListModel::Tags && index.column() != RunListModel::Notes) {
            Q_EMIT openRequested(id);
        }
    });
}

void RunListView::expandNewGroups() {
    for (int r = 0; r < groups_->rowCount(); ++r) {
        const QModelIndex index = groups_->index(r, 0);
        if (!groups_->isGroup(index)) continue;
        const qint64 sweep = index.data(RunGroupModel::SweepIdRole).toLongLong();
        if (!seenSweeps_.contains(sweep)) {
            seenSweeps_.insert(sweep);
            table_->expand(index);
        }
    }
}

QList<qint64> RunListView::selectedRuns() const {
    QList<qint64> ids;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows()) {
        if (groups_->isGroup(index)) {
            for (int r = 0; r < groups_->rowCount(index); ++r) {
                const qint64 id = groups_->index(r, 0, index).data(RunListModel::RunIdRole).toLongLong();
                if (!ids.contains(id)) ids << id;
            }
        } else {
            const qint64 id = index.data(RunListModel::RunIdRole).toLongLong();
            if (!ids.contains(id)) ids << id;
        }
    }
    return ids;
}

void RunListView::showMenu(const QPoint& at) {
    const QModelIndex clicked = table_->indexAt(at);
    if (!clicked.isValid()) {
        return;
    }
    if (!table_->selectionModel()->isRowSelected(clicked.row(), clicked.parent())) {
        table_->selectionModel()->setCurrentIndex(
            clicked, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    const QList<qint64> ids = selectedRuns();
    const bool group = groups_->isGroup(clicked);
    const qint64 first = group ? (ids.isEmpty() ? 0 : ids.front())
                               : clicked.data(RunListModel::RunIdRole).toLongLong();
    const qint64 sweepId = clicked.data(RunGroupModel::SweepIdRole).toLongLong();
    const auto resumable = [&](qint64 id) {
        const RunRow* r = model_->rowFor(id);
        return r && (r->status == QLatin1String("cancelled") ||
                     r->status == QLatin1String("interrupted"));
    };
    const auto cancellable = [&](qint64 id) {
        const RunRow* r = model_->rowFor(id);
        return r && (r->status == QLatin1String("running") || r->status == QLatin1String("queued"));
    };

    QMenu menu(this);
    menu.setObjectName(QStringLiteral("runMenu"));
    if (sweepId > 0) {
        QAction* compare = menu.addAction(tr("Compare group (aggregate seeds)"), this, [this, sweepId] {
            Q_EMIT compareGroupRequested(sweepId, groups_->sweepRuns(sweepId),
                                         groups_->groupByKeys(sweepId));
        });
        compare->setObjectName(QStringLiteral("compareGroupAction"));
        compare->setToolTip(tr("The sweep's runs grouped by its varied fields (without the "
                               "seed): mean ± std over the seeds"));
        menu.addSeparator();
    }
    QAction* open = menu.addAction(tr("Open"), this, [this, first] { Q_EMIT openRequested(first); });
    open->setEnabled(!group && first > 0);
    QAction* compare = menu.addAction(ids.size() > 1 ? tr("Compare %1 selected runs").arg(ids.size())
                                                     : tr("Compare selected"),
                                      this, [this, ids] { Q_EMIT compareRequested(ids); });
    compare->setObjectName(QStringLiteral("actionCompareSelected"));
    QAction* resume =
        menu.addAction(tr("Resume"), this, [this, ids] { Q_EMIT resumeRequested(ids); });
    resume->setEnabled(std::any_of(ids.begin(), ids.end(), resumable));
    QAction* cancel =
        menu.addAction(tr("Cancel"), this, [this, ids] { Q_EMIT cancelRequested(ids); });
    cancel->setEnabled(std::any_of(ids.begin(), ids.end(), cancellable));
    QAction* duplicate = menu.addAction(tr("Duplicate as new experiment"), this,
                                        [this, first] { Q_EMIT duplicateRequested(first); });
    duplicate->setEnabled(!group);
    menu.addSeparator();
    QAction* reveal =
        menu.addAction(tr("Reveal folder"), this, [this, first] { Q_EMIT revealRequested(first); });
    reveal->setEnabled(!group);
    menu.addSeparator();
    QAction* remove = menu.addAction(ids.size() > 1 ? tr("Delete %1 runs…").arg(ids.size())
                                                    : tr("Delete…"),
                                     this, [this, ids] { Q_EMIT deleteRequested(ids); });
    remove->setEnabled(!ids.isEmpty() && std::none_of(ids.begin(), ids.end(), [&](qint64 id) {
        const RunRow* r = model_->rowFor(id);
        return r && r->status == QLatin1String("running");
    }));
    menu.exec(table_->viewport()->mapToGlobal(at));
}

}  // namespace flower::widgets
