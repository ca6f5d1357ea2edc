#include "widgets/run_filter_proxy.h"

#include "widgets/run_list_model.h"

namespace flower::widgets {

RunFilterProxy::RunFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(RunListModel::SortRole);
    setDynamicSortFilter(true);
}

void RunFilterProxy::setFilterText(const QString& text) {
    words_ = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateFilter();
}

bool RunFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (words_.isEmpty()) {
        return true;
    }
    const QAbstractItemModel* m = sourceModel();
    QString haystack;
    for (const int column : {RunListModel::Name, RunListModel::Method, RunListModel::Tags,
                             RunListModel::Notes}) {
        haystack += m->index(sourceRow, column, sourceParent).data(Qt::DisplayRole).toString();
        haystack += QLatin1Char('\n');
    }
    for (const QString& word : words_) {
        if (!haystack.contains(word, Qt::CaseInsensitive)) {
            return false;
        }
    }
    return true;
}

}  // namespace flower::widgets
