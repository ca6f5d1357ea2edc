// ExperimentForm: the fields turn into exactly the JSON `flower config --resolve` prints for the
// same file (the CLI run as a process, not the form's own code path), edited fields into what
// `--set` gives, and an invalid value shows the core parser's own message and disables Run.
#include "core/run/experiment_config.h"
#include "core/run/resource_locator.h"
#include "core/util/error.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "widgets/experiment_form.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSlider>
#include <QStandardItemModel>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

using flower::widgets::ExperimentForm;
using nlohmann::json;

namespace {

const std::string kExperiments = FLOWER_EXPERIMENTS_DIR;

json resolveWithCli(const std::string& file, const std::vector<std::string>& sets = {}) {
    std::vector<std::string> argv = {FLOWER_CLI_PATH, "config", "--resolve", file};
    for (const auto& s : sets) {
        argv.push_back("--set");
        argv.push_back(s);
    }
    const auto r = flower::test::runProcess(argv);
    if (r.exitCode != 0) {
        throw std::runtime_error("flower config failed: " + r.err);
    }
    return json::parse(r.out);
}

QLineEdit* line(ExperimentForm& form, const char* path) {
    return qobject_cast<QLineEdit*>(form.editor(QString::fromLatin1(path)));
}

QComboBox* combo(ExperimentForm& form, const char* path) {
    return qobject_cast<QComboBox*>(form.editor(QString::fromLatin1(path)));
}

// What the core says about this JSON (the message the CLI would print for it).
flower::Error coreError(const json& j) {
    try {
        flower::run::ExperimentConfig::fromJson(j, ExperimentForm::kErrorSource);
    } catch (const flower::Error& e) {
        return e;
    }
    throw std::runtime_error("the core accepted " + j.dump());
}

}  // namespace

class TestExperimentForm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fieldsGiveTheResolvedJsonOfTheCli();
    void editedFieldsGiveWhatSetGives();
    void invalidLambdaShowsTheCoreMessageAndDisablesRun();
    void otherInvalidFieldsNameTheirField();
    void invalidFileLoadsWhatIsValid();
    void lambdaSliderIsLogScaleAndShowsTheta();
    void cudaIsDisabledWithAReasonWhenUnavailable();
    void savedFileResolvesToTheSameJson();
    void decodingCarriesItsDefaults();
};

void TestExperimentForm::fieldsGiveTheResolvedJsonOfTheCli() {
    // Files that use theta, "inf", extends, dataset names and synthetic specs.
    for (const char* name : {"demo.json", "rq1-synthetic.json", "rq2-movies.json",
                             "rq4-lambda-0.99.json", "rq2-movies-ifairlrs.json",
                             "rq1-movies100.json", "rq4-granularity-5.json"}) {
        const std::string file = kExperiments + "/" + name;
        ExperimentForm form;
        form.loadFile(QString::fromStdString(file));
        QVERIFY2(form.isValid(), qPrintable(form.errorMessage()));
        const json expected = resolveWithCli(file);
        // From the widgets alone: fieldsJson() is read back from the editors.
        const json fromFields =
            flower::run::ExperimentConfig::fromJson(form.fieldsJson(), "test").toJson();
        QVERIFY2(fromFields == expected, (std::string(name) + "\nform: " + fromFields.dump() +
                                          "\ncli:  " + expected.dump())
                                             .c_str());
        QVERIFY(form.config()->toJson() == expected);
    }
}

void TestExperimentForm::editedFieldsGiveWhatSetGives() {
    const std::string file = kExperiments + "/demo.json";
    ExperimentForm form;
    form.loadFile(QString::fromStdString(file));
    QComboBox* method = combo(form, "method");
    method->setCurrentIndex(method->findData("sft"));
    line(form, "lambda")->setText("0.5");
    line(form, "optimizer.lr")->setText("2e-3");
    line(form, "dataset.items")->setText("50");
    line(form, "evaluation.k")->setText("1, 3");
    QComboBox* schedule = combo(form, "optimizer.schedule");
    schedule->setCurrentIndex(schedule->findData("constant"));
    QVERIFY2(form.isValid(), qPrintable(form.errorMessage()));
    const json expected = resolveWithCli(
        file, {"method=sft", "lambda=0.5", "optimizer.lr=0.002",
               "dataset=synthetic:items=50,users=2000,seed=1,zipf=1.1", "evaluation.k=[1,3]",
               "optimizer.schedule=constant"});
    QVERIFY2(form.config()->toJson() == expected,
             (form.config()->toJson().dump() + "\n" + expected.dump()).c_str());
}

// A file leaving α and T out gets the decoding's defaults; in the form, switching the decoding
// moves fields that still hold the old defaults and keeps typed values.
void TestExperimentForm::decodingCarriesItsDefaults() {
    ExperimentForm form;
    form.loadFile(QString::fromStdString(kExperiments + "/demo.json"));
    QComboBox* decoding = combo(form, "evaluation.decoding");
    decoding->setCurrentIndex(decoding->findData("temp"));
    QVERIFY2(form.isValid(), qPrintable(form.errorMessage()));
    QCOMPARE(form.config()->evaluation.temperature, 1.5);
    QCOMPARE(form.config()->evaluation.lengthPenalty, 1.0);
    decoding->setCurrentIndex(decoding->findData("d3"));
    QCOMPARE(form.config()->evaluation.temperature, 1.0);
    QCOMPARE(form.config()->evaluation.lengthPenalty, 0.0);
    line(form, "evaluation.temperature")->setText("2");
    decoding->setCurrentIndex(decoding->findData("beam"));
    QCOMPARE(form.config()->evaluation.temperature, 2.0);  // typed: kept
    QCOMPARE(form.config()->evaluation.lengthPenalty, 1.0);
}

void TestExperimentForm::invalidLambdaShowsTheCoreMessageAndDisablesRun() {
    ExperimentForm form;
    form.loadFile(QString::fromStdString(kExperiments + "/demo.json"));
    auto* run = form.findChild<QPushButton*>("runButton");
    auto* queue = form.findChild<QPushButton*>("queueButton");
    QVERIFY(run->isEnabled());
    for (const char* bad : {"-1", "abc", "1e400x"}) {
        line(form, "lambda")->setText(QString::fromLatin1(bad));
        QVERIFY(!form.isValid());
        QVERIFY(!run->isEnabled());
        QVERIFY(!queue->isEnabled());
        json j = form.fieldsJson();
        const flower::Error expected = coreError(j);
        QCOMPARE(form.errorField(), QStringLiteral("lambda"));
        QCOMPARE(form.errorMessage(), QString::fromUtf8(expected.what()));
        QLabel* label = form.errorLabel("lambda");
        QVERIFY(label != nullptr);
        QVERIFY(!label->isHidden());
        QCOMPARE(label->text(), QString::fromStdString(expected.detail()));
        QVERIFY2(label->text().contains("lambda") || label->text().contains("number"),
                 qPrintable(label->text()));
    }
    line(form, "lambda")->setText("0.1");
    QVERIFY(form.isValid());
    QVERIFY(run->isEnabled());
    QVERIFY(form.errorLabel("lambda")->isHidden());
}

namespace {

// What the core says about this experiment file (the message `flower train FILE` prints).
flower::Error fileError(const std::string& file) {
    try {
        flower::run::ExperimentConfig::load(file);
    } catch (const flower::Error& e) {
        return e;
    }
    throw std::runtime_error("the core accepted " + file);
}

}  // namespace

void TestExperimentForm::invalidFileLoadsWhatIsValid() {
    flower::test::TempDir dir("form-invalid");
    const std::string bad = (dir.path() / "bad-lambda.json").string();
    std::ofstream(bad) << R"({"extends": ")" << kExperiments << R"(/demo.json", "seed": 7,
        "optimizer": {"lr": 0.005}, "lambda": -2})";
    ExperimentForm form;
    auto* run = form.findChild<QPushButton*>("runButton");
    form.loadFile(QString::fromStdString(bad));  // not refused whole
    QCOMPARE(line(form, "seed")->text(), QStringLiteral("7"));
    QCOMPARE(line(form, "optimizer.lr")->text(), QStringLiteral("0.005"));
    QCOMPARE(line(form, "lambda")->text(), QStringLiteral("-2"));
    QVERIFY(!form.isValid());
    QVERIFY(!run->isEnabled());
    const flower::Error expected = fileError(bad);
    QCOMPARE(form.errorField(), QStringLiteral("lambda"));
    QCOMPARE(form.errorMessage(), QString::fromUtf8(expected.what()));
    QVERIFY2(form.errorMessage().contains("bad-lambda.json"), qPrintable(form.errorMessage()));
    QVERIFY(!form.errorLabel("lambda")->isHidden());
    QCOMPARE(form.errorLabel("lambda")->text(), QString::fromStdString(expected.detail()));
    auto* banner = form.findChild<QLabel*>("formError");
    QVERIFY(!banner->isHidden());
    QVERIFY(banner->text().contains(QString::fromUtf8(expected.what())));
    line(form, "lambda")->setText("0.5");
    QVERIFY(form.isValid());
    QVERIFY(run->isEnabled());
    QVERIFY(banner->isHidden());
    QCOMPARE(form.config()->seed, std::int64_t(7));
    QCOMPARE(form.config()->optimizer.lr, 0.005);

    // A key the form has no field for: the rest loads, the message stays until an edit.
    const std::string unknown = (dir.path() / "unknown-key.json").string();
    std::ofstream(unknown) << R"({"extends": ")" << kExperiments << R"(/demo.json", "seed": 9,
        "lamda": 3})";
    form.loadFile(QString::fromStdString(unknown));
    QCOMPARE(line(form, "seed")->text(), QStringLiteral("9"));
    QVERIFY(!form.isValid());
    QVERIFY(!run->isEnabled());
    QVERIFY2(form.errorMessage().startsWith(QString::fromUtf8(fileError(unknown).what())),
             qPrintable(form.errorMessage()));
    QVERIFY(form.errorMessage().contains("lamda"));
    line(form, "seed")->setText("10");
    QVERIFY(form.isValid());
    QVERIFY(run->isEnabled());

    // Nothing to load: not JSON at all.
    const std::string broken = (dir.path() / "broken.json").string();
    std::ofstream(broken) << "{\"seed\": ";
    QVERIFY_THROWS_EXCEPTION(flower::Error, form.loadFile(QString::fromStdString(broken)));
    QVERIFY(form.isValid());  // the form keeps what it held
}

void TestExperimentForm::otherInvalidFieldsNameTheirField() {
    ExperimentForm form;
    form.loadFile(QString::fromStdString(kExperiments + "/demo.json"));
    line(form, "micro_batch_size")->setText("7");  // 32 is not a multiple of 7
    QCOMPARE(form.errorField(), QStringLiteral("micro_batch_size"));
    QCOMPARE(form.errorLabel("micro_batch_size")->text(),
             QString::fromStdString(coreError(form.fieldsJson()).detail()));
    line(form, "micro_batch_size")->setText("32");
    line(form, "dataset.zipf")->setText("-2");
    QCOMPARE(form.errorField(), QStringLiteral("dataset"));
    QVERIFY(form.errorLabel("dataset")->text().contains("zipf"));
    line(form, "dataset.zipf")->setText("1.1");
    QVERIFY(form.isValid());
}

void TestExperimentForm::lambdaSliderIsLogScaleAndShowsTheta() {
    ExperimentForm form;
    auto* slider = form.findChild<QSlider*>("lambdaSlider");
    auto* theta = form.findChild<QLabel*>("thetaLabel");
    slider->setValue(0);  // 10^0
    QCOMPARE(line(form, "lambda")->text(), QStringLiteral("1"));
    QVERIFY2(theta->text().endsWith("0.5"), qPrintable(theta->text()));
    slider->setValue(-200);  // 10^-2
    QCOMPARE(line(form, "lambda")->text(), QStringLiteral("0.01"));
    QCOMPARE(form.config()->lambda, 0.01);
    QVERIFY2(theta->text().endsWith(QString::number(1.0 / 1.01, 'g', 6)), qPrintable(theta->text()));
    line(form, "lambda")->setText("inf");
    QCOMPARE(slider->value(), slider->maximum());
    QVERIFY(std::isinf(form.config()->lambda));
    QVERIFY(theta->text().endsWith("= 0"));
    line(form, "lambda")->setText("1000");  // beyond the slider: the field is exact
    QCOMPARE(form.config()->lambda, 1000.0);
}

void TestExperimentForm::cudaIsDisabledWithAReasonWhenUnavailable() {
    ExperimentForm form;
    QComboBox* device = combo(form, "device");
    const int i = device->findData("cuda");
    QVERIFY(i >= 0);
    auto* items = qobject_cast<QStandardItemModel*>(device->model());
    bool available = true;
    std::string reason;
    try {
        flower::run::resolveDevice(flower::run::DeviceChoice::Cuda);
    } catch (const flower::Error& e) {
        available = false;
        reason = e.detail();
    }
    QCOMPARE(items->item(i)->isEnabled(), available);
    if (!available) {
        QCOMPARE(items->item(i)->toolTip(), QString::fromStdString(reason));
    }
}

void TestExperimentForm::savedFileResolvesToTheSameJson() {
    ExperimentForm form;
    form.loadFile(QString::fromStdString(kExperiments + "/rq1-synthetic.json"));
    line(form, "name")->setText("saved");
    const QString file = QDir::temp().filePath(
        QStringLiteral("flower-form-%1.json").arg(QCoreApplication::applicationPid()));
    form.saveFile(file);
    const json expected = resolveWithCli(file.toStdString());
    QFile::remove(file);
    QVERIFY(form.config()->toJson() == expected);
}

FLOWER_GUI_TEST_MAIN(TestExperimentForm, fieldsGiveTheResolvedJsonOfTheCli,
                     editedFieldsGiveWhatSetGives, invalidLambdaShowsTheCoreMessageAndDisablesRun,
                     otherInvalidFieldsNameTheirField,
                     invalidFileLoadsWhatIsValid, lambdaSliderIsLogScaleAndShowsTheta,
                     cudaIsDisabledWithAReasonWhenUnavailable, savedFileResolvesToTheSameJson,
                     decodingCarriesItsDefaults)
#include "test_experiment_form.moc"
