// PrepareAmazonDialog: prepares synthetic raw dumps on its worker thread while the event loop
// keeps running, accepts with the new folder; a missing file ends with the located message
// and no folder. FLOWER_SCREENSHOT_DIR=D saves D/prepare_amazon_dialog.png (filled form).
#include "core/prepare/synthetic_raw_amazon.h"
#include "core/util/remove_tree.h"
#include "tests/support/flower_gui_test.h"
#include "widgets/prepare_amazon_dialog.h"

#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>

#include <filesystem>

using flower::widgets::PrepareAmazonDialog;
namespace fs = std::filesystem;

namespace {

fs::path scratch() {
    const fs::path dir = fs::temp_directory_path() / ("flower-prepare-dialog-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

flower::prepare::SyntheticRawFiles rawFiles() {
    flower::prepare::SyntheticRawConfig c;
    c.folder = (scratch() / "raw").string();
    c.category = "Toys";
    c.items = 300;
    c.users = 3000;
    c.seed = 5;
    return flower::prepare::writeSyntheticRaw(c);
}

}  // namespace

class TestPrepareAmazonDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { flower::util::removeTree(scratch()); }
    void preparesOnAWorkerThread();
    void reportsAMissingFile();
};

void TestPrepareAmazonDialog::preparesOnAWorkerThread() {
    const auto raw = rawFiles();
    PrepareAmazonDialog dialog;
    const QString out = QString::fromStdString((scratch() / "Toys").string());
    dialog.setFiles(QString::fromStdString(raw.reviews), QString::fromStdString(raw.meta), out);
    dialog.setMinItems(50);
    dialog.show();
    if (const char* dir = std::getenv("FLOWER_SCREENSHOT_DIR")) {
        dialog.grab().save(QString::fromUtf8(dir) + "/prepare_amazon_dialog.png");
    }
    QCOMPARE(dialog.findChild<QLineEdit*>("prepare:category")->text(), QString("Toys"));
    QSignalSpy ended(&dialog, &PrepareAmazonDialog::preparationEnded);
    dialog.start();
    QVERIFY(dialog.running());
    QVERIFY(ended.wait(120000));
    QVERIFY2(ended.at(0).at(0).toBool(), qPrintable(ended.at(0).at(1).toString()));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(QDir(dialog.preparedFolder()).absolutePath(), QDir(out).absolutePath());
    QVERIFY(fs::exists(scratch() / "Toys" / "train.csv"));
    QVERIFY(fs::exists(scratch() / "Toys" / "prepare.json"));
}

void TestPrepareAmazonDialog::reportsAMissingFile() {
    PrepareAmazonDialog dialog;
    const std::string missing = (scratch() / "nope.json.gz").string();
    dialog.setFiles(QString::fromStdString(missing), QString::fromStdString(missing),
                    QString::fromStdString((scratch() / "out").string()));
    QSignalSpy ended(&dialog, &PrepareAmazonDialog::preparationEnded);
    dialog.start();
    QVERIFY(ended.wait(30000));
    QVERIFY(!ended.at(0).at(0).toBool());
    QVERIFY2(ended.at(0).at(1).toString().contains("nope.json.gz"), qPrintable(ended.at(0).at(1).toString()));
    QVERIFY(dialog.findChild<QLabel*>("prepare:status")->text().contains("cannot open"));
    QVERIFY(!fs::exists(scratch() / "out"));
    QVERIFY(dialog.result() != int(QDialog::Accepted));
}

FLOWER_GUI_TEST_MAIN(TestPrepareAmazonDialog, preparesOnAWorkerThread, reportsAMissingFile)
#include "test_prepare_amazon_dialog.moc"
