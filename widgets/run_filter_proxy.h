// RunFilterProxy: the run list's filter and sort. The filter text is split at spaces; a run
// is shown when every word occurs (case-insensitively) in its name, method, tags or notes.
// Sorting uses RunListModel::SortRole, so numbers sort as numbers and missing figures last.
#pragma once

#include <QSortFilterProxyModel>
#include <QStringList>

namespace flower::widgets {

class RunFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunFilterProxy(QObject* parent = nullptr);

public Q_SLOTS:
    void setFilterText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QStringList words_;
};

}  // namespace flower::widgets
