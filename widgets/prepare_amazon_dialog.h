// PrepareAmazonDialog: the dataset picker's "Prepare from raw Amazon files…" — the form of
// `flower prepare-amazon` (core/prepare/prepare_amazon.h). The preparation runs on a worker
// std::thread; a 100 ms timer shows its progress (bytes read of the current file) so the GUI
// thread never waits. Cancel stops it at the next progress call (nothing is written: the
// output goes to a temporary folder first). On success the dialog is accepted and
// preparedFolder() is the new dataset folder; errors (file, line, field) stay shown in it.
#pragma once

#include <QDialog>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace flower::widgets {

class PrepareAmazonDialog : public QDialog {
    Q_OBJECT
public:
    explicit PrepareAmazonDialog(QWidget* parent = nullptr);
    ~PrepareAmazonDialog() override;

    QString preparedFolder() const { return prepared_; }
    // Fills the file fields (tests, and a caller that knows the files).
    void setFiles(const QString& reviews, const QString& meta, const QString& out);
    void setMinItems(int minItems);
    bool running() const { return worker_.joinable(); }

public Q_SLOTS:
    void start();

Q_SIGNALS:
    // Emitted on the GUI thread when the worker has ended; `message` is the error or summary.
    void preparationEnded(bool ok, const QString& message);

protected:
    void reject() override;

private:
    void pollProgress();
    void workerEnded(bool ok, const QString& message, const QString& folder);
    void setEditable(bool editable);
    QString missingField() const;

    QLineEdit* reviews_;
    QLineEdit* meta_;
    QLineEdit* category_;
    QLineEdit* out_;
    QLineEdit* start_;
    QLineEdit* end_;
    QSpinBox* k_;
    QSpinBox* minItems_;
    QCheckBox* strict_;
    QProgressBar* progress_;
    QLabel* status_;
    QPushButton* prepareButton_;
    QDialogButtonBox* buttons_;

    std::thread worker_;
    std::atomic<bool> cancel_{false};
    std::atomic<int> stage_{0};                // 0 meta, 1 reviews, 2 filter, 3 write
    std::atomic<std::uint64_t> done_{0}, total_{0};
    QString prepared_;
};

}  // namespace flower::widgets
