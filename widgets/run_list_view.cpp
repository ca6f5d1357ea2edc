#include "widgets/run_list_view.h"

#include "widgets/run_filter_proxy.h"
#include "widgets/run_list_model.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

namespace flower::widgets {

RunListView::RunListView(RunListModel* model, QWidget* parent)
    : QWidget(parent), model_(model), proxy_(new RunFilterProxy(this)),
      filter_(new QLineEdit(this)), table_(new QTableView(this)) {
    setObjectName(QStringLiteral("runList"));
    filter_->setObjectName(QStringLiteral("runFilter"));
    filter_->setPlaceholderText(tr("Filter runs by name, method, tag or note…"));
    filter_->setClearButtonEnabled(true);
    proxy_->setSourceModel(model_);
    table_->setObjectName(QStringLiteral("runTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunListModel::Id, Qt::DescendingOrder);  // newest first
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setSectionsMovable(true);
    const QFontMetrics fm = table_->fontMetrics();
    const auto width = [&](int column, const QString& sample) {
        table_->setColumnWidth(column, fm.horizontalAdvance(sample) + 24);
    };
    width(RunListModel::Id, QStringLiteral("9999"));
    width(RunListModel::Name, QStringLiteral("rq1-synthetic-sft"));
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
    connect(table_, &QWidget::customContextMenuRequested, this, &RunListView::showMenu);
    connect(table_, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        // Tags and notes are edited on double-click; any other cell opens the run.
        if (index.column() != RunListModel::Tags && index.column() != RunListModel::Notes) {
            Q_EMIT openRequested(index.data(RunListModel::RunIdRole).toLongLong());
        }
    });
}

QList<qint64> RunListView::selectedRuns() const {
    QList<qint64> ids;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows()) {
        ids << index.data(RunListModel::RunIdRole).toLongLong();
    }
    return ids;
}

void RunListView::showMenu(const QPoint& at) {
    const QModelIndex clicked = table_->indexAt(at);
    if (!clicked.isValid()) {
        return;
    }
    if (!table_->selectionModel()->isRowSelected(clicked.row(), clicked.parent())) {
        table_->selectRow(clicked.row());
    }
    const QList<qint64> ids = selectedRuns();
    const qint64 first = clicked.data(RunListModel::RunIdRole).toLongLong();
    const RunRow* row = model_->rowFor(first);
    const QString status = row ? row->status : QString();
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
    menu.addAction(tr("Open"), this, [this, first] { Q_EMIT openRequested(first); });
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
    menu.addAction(tr("Duplicate as new experiment"), this,
                   [this, first] { Q_EMIT duplicateRequested(first); });
    menu.addSeparator();
    menu.addAction(tr("Reveal folder"), this, [this, first] { Q_EMIT revealRequested(first); });
    menu.addSeparator();
    QAction* remove = menu.addAction(ids.size() > 1 ? tr("Delete %1 runs…").arg(ids.size())
                                                    : tr("Delete…"),
                                     this, [this, ids] { Q_EMIT deleteRequested(ids); });
    remove->setEnabled(status != QLatin1String("running"));
    menu.exec(table_->viewport()->mapToGlobal(at));
}

}  // namespace flower::widgets
