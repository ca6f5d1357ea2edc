#include "widgets/prepare_amazon_dialog.h"

#include "core/prepare/prepare_amazon.h"
#include "core/util/error.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace flower::widgets {

namespace {

// A line edit with a Browse… button; `pickFolder` chooses a folder instead of a file.
QWidget* withBrowse(QLineEdit* edit, QWidget* parent, const QString& caption, bool pickFolder) {
    auto* box = new QWidget(parent);
    auto* h = new QHBoxLayout(box);
    h->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QToolButton(box);
    browse->setText(QObject::tr("Browse…"));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    QObject::connect(browse, &QToolButton::clicked, box, [edit, box, caption, pickFolder] {
        const QString path =
            pickFolder ? QFileDialog::getSaveFileName(box, caption, edit->text())  // a new name
                       : QFileDialog::getOpenFileName(box, caption, edit->text(),
                                                      QObject::tr("Amazon 2018 JSON lines (*.json.gz *.json);;All files (*)"));
        if (!path.isEmpty()) edit->setText(path);
    });
    return box;
}

// "Movies_and_TV.json.gz" / "Movies_and_TV_5.json" → "Movies_and_TV".
QString categoryOf(const QString& reviewsPath) {
    QString name = QFileInfo(reviewsPath).fileName();
    for (const char* suffix : {".gz", ".json"}) {
        if (name.endsWith(QLatin1String(suffix))) name.chop(static_cast<int>(qstrlen(suffix)));
    }
    if (name.endsWith(QLatin1String("_5"))) name.chop(2);
    return name;
}

const char* const kStageText[] = {"Reading the metadata", "Reading the reviews",
                                  "Window, titles, K-core, sequences", "Writing the dataset"};

}  // namespace

PrepareAmazonDialog::PrepareAmazonDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Prepare a dataset from raw Amazon files"));
    auto* v = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("Rebuilds a dataset from the Amazon Review Data (2018) files — reviews "
           "<i>Category</i>.json.gz and metadata meta_<i>Category</i>.json.gz — exactly as the "
           "Flower authors' process.py: reviews in the window, titles cleaned, iterated K-core, "
           "item ids shuffled as Python's random.seed(42), 8:1:1 split by time. The window is in "
           "UTC; when fewer than the minimum items remain it opens a year earlier."),
        this);
    intro->setWordWrap(true);
    v->addWidget(intro);

    auto* form = new QFormLayout;
    reviews_ = new QLineEdit(this);
    reviews_->setObjectName(QStringLiteral("prepare:reviews"));
    reviews_->setPlaceholderText(tr("Movies_and_TV.json.gz"));
    meta_ = new QLineEdit(this);
    meta_->setObjectName(QStringLiteral("prepare:meta"));
    meta_->setPlaceholderText(tr("meta_Movies_and_TV.json.gz"));
    category_ = new QLineEdit(this);
    category_->setObjectName(QStringLiteral("prepare:category"));
    category_->setPlaceholderText(tr("from the reviews file name"));
    out_ = new QLineEdit(this);
    out_->setObjectName(QStringLiteral("prepare:out"));
    out_->setPlaceholderText(tr("a new folder"));
    start_ = new QLineEdit(QStringLiteral("2017-10"), this);
    end_ = new QLineEdit(QStringLiteral("2018-11"), this);
    k_ = new QSpinBox(this);
    k_->setRange(1, 1000);
    k_->setValue(5);
    minItems_ = new QSpinBox(this);
    minItems_->setRange(0, 10000000);
    minItems_->setValue(3000);
    minItems_->setToolTip(tr("Fewer items at any K-core pass: the window opens one year earlier and "
                             "everything starts over (the reference's 3000; down to 1996)"));
    strict_ = new QCheckBox(tr("Stop at the first bad line (otherwise skip and count it)"), this);
    strict_->setChecked(true);
    form->addRow(tr("Reviews file"), withBrowse(reviews_, this, tr("Reviews file"), false));
    form->addRow(tr("Metadata file"), withBrowse(meta_, this, tr("Metadata file"), false));
    form->addRow(tr("Category"), category_);
    form->addRow(tr("Output folder"), withBrowse(out_, this, tr("Output folder (new)"), true));
    auto* window = new QWidget(this);
    auto* wh = new QHBoxLayout(window);
    wh->setContentsMargins(0, 0, 0, 0);
    wh->addWidget(start_);
    wh->addWidget(new QLabel(tr("to the start of"), window));
    wh->addWidget(end_);
    form->addRow(tr("Window (YYYY-MM, UTC)"), window);
    form->addRow(tr("K (reviews per user and item)"), k_);
    form->addRow(tr("Minimum items"), minItems_);
    form->addRow(QString(), strict_);
    v->addLayout(form);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    progress_->setVisible(false);  // shown while a preparation runs
    v->addWidget(progress_);
    status_ = new QLabel(tr("Choose the two files and a new output folder."), this);
    status_->setObjectName(QStringLiteral("prepare:status"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(status_);

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    prepareButton_ = buttons_->addButton(tr("Prepare"), QDialogButtonBox::AcceptRole);
    prepareButton_->setObjectName(QStringLiteral("prepare:start"));
    v->addWidget(buttons_);
    connect(prepareButton_, &QPushButton::clicked, this, &PrepareAmazonDialog::start);
    connect(buttons_, &QDialogButtonBox::rejected, this, &PrepareAmazonDialog::reject);
    connect(reviews_, &QLineEdit::textChanged, this, [this](const QString& path) {
        if (category_->isModified()) return;
        category_->setText(categoryOf(path));
    });
    auto* timer = new QTimer(this);
    timer->setInterval(100);
    connect(timer, &QTimer::timeout, this, &PrepareAmazonDialog::pollProgress);
    timer->start();
    resize(680, sizeHint().height());
}

PrepareAmazonDialog::~PrepareAmazonDialog() {
    cancel_ = true;
    if (worker_.joinable()) worker_.join();
}

void PrepareAmazonDialog::setFiles(const QString& reviews, const QString& meta, const QString& out) {
    reviews_->setText(reviews);
    meta_->setText(meta);
    out_->setText(out);
}

void PrepareAmazonDialog::setMinItems(int minItems) { minItems_->setValue(minItems); }

QString PrepareAmazonDialog::missingField() const {
    if (reviews_->text().trimmed().isEmpty()) return tr("the reviews file");
    if (meta_->text().trimmed().isEmpty()) return tr("the metadata file");
    if (out_->text().trimmed().isEmpty()) return tr("the output folder");
    return QString();
}

void PrepareAmazonDialog::setEditable(bool editable) {
    for (QWidget* w : std::initializer_list<QWidget*>{reviews_, meta_, category_, out_, start_, end_, k_, minItems_, strict_}) {
        w->setEnabled(editable);
    }
    prepareButton_->setEnabled(editable);
}

void PrepareAmazonDialog::start() {
    if (running()) return;
    if (const QString missing = missingField(); !missing.isEmpty()) {
        status_->setText(tr("Missing: %1.").arg(missing));
        return;
    }
    prepare::PrepareOptions o;
    try {
        o.reviews = reviews_->text().trimmed().toStdString();
        o.meta = meta_->text().trimmed().toStdString();
        o.category = category_->text().trimmed().isEmpty() ? categoryOf(reviews_->text()).toStdString()
                                                           : category_->text().trimmed().toStdString();
        o.out = out_->text().trimmed().toStdString();
        o.core.start = prepare::Month::parse(start_->text().trimmed().toStdString(), "start");
        o.core.end = prepare::Month::parse(end_->text().trimmed().toStdString(), "end");
        o.core.k = k_->value();
        o.core.minItems = minItems_->value();
        o.strict = strict_->isChecked();
    } catch (const Error& e) {
        status_->setText(QString::fromStdString(e.what()));
        return;
    }
    cancel_ = false;
    stage_ = 0;
    done_ = 0;
    total_ = 0;
    setEditable(false);
    progress_->setValue(0);
    progress_->setVisible(true);
    status_->setText(tr(kStageText[0]));
    worker_ = std::thread([this, o] {
        bool ok = false;
        QString message, folder;
        try {
            const auto s = prepare::prepareAmazon(o, [this](const prepare::PrepareProgress& p) {
                stage_ = p.stage == "meta" ? 0 : p.stage == "reviews" ? 1 : p.stage == "filter" ? 2 : 3;
                done_ = p.done;
                total_ = p.total;
                return !cancel_.load();
            });
            ok = true;
            folder = QString::fromStdString(s.out);
            message = tr("Prepared %1: window %2 … %3, %4 items, %5 users, rows %6 / %7 / %8.")
                          .arg(folder, QString::fromStdString(s.start), QString::fromStdString(s.end))
                          .arg(s.items)
                          .arg(s.users)
                          .arg(s.train)
                          .arg(s.valid)
                          .arg(s.test);
        } catch (const std::exception& e) {
            message = cancel_ ? tr("Cancelled; nothing was written.") : QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, ok, message, folder] { workerEnded(ok, message, folder); },
                                  Qt::QueuedConnection);
    });
}

void PrepareAmazonDialog::pollProgress() {
    if (!running()) return;
    const int stage = stage_.load();
    const std::uint64_t total = total_.load(), done = done_.load();
    // Meta and reviews take the first and second half of the bar; the rest is quick.
    double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    fraction = stage == 0 ? 0.1 * fraction : stage == 1 ? 0.1 + 0.8 * fraction : stage == 2 ? 0.92 : 0.97;
    progress_->setValue(static_cast<int>(fraction * 1000));
    QString text = tr(kStageText[stage]);
    if (total > 0 && stage < 2) text += tr(" — %1 of %2 MB").arg(done / 1e6, 0, 'f', 0).arg(total / 1e6, 0, 'f', 0);
    status_->setText(text);
}

void PrepareAmazonDialog::workerEnded(bool ok, const QString& message, const QString& folder) {
    if (worker_.joinable()) worker_.join();
    setEditable(true);
    progress_->setValue(ok ? 1000 : 0);
    progress_->setVisible(ok);
    status_->setText(message);
    Q_EMIT preparationEnded(ok, message);
    if (ok) {
        prepared_ = folder;
        accept();
    }
}

void PrepareAmazonDialog::reject() {
    if (running()) {  // first Cancel stops the worker; the dialog stays to say so
        cancel_ = true;
        status_->setText(tr("Cancelling…"));
        return;
    }
    QDialog::reject();
}

}  // namespace flower::widgets
