#include "widgets/policy_worker.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>

#include <chrono>
#include <exception>

namespace flower::widgets {

namespace {

bool samePrompt(const train::ProbePrompt& a, const train::ProbePrompt& b) {
    return a.kind == b.kind && a.split == b.split && a.row == b.row && a.text == b.text;
}

QString qt(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

double msSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

PolicyWorker::PolicyWorker(Callback onResult, QObject* parent)
    : QObject(parent), onResult_(std::move(onResult)) {
    thread_ = std::thread([this] { loop(); });
}

PolicyWorker::~PolicyWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        pending_.reset();
    }
    wake_.notify_all();
    thread_.join();  // a probe call in progress ends first (a tiny model: milliseconds)
}

void PolicyWorker::submit(PolicyRequest request) {
    {
        std::lock_guard lock(mutex_);
        pending_ = std::move(request);
    }
    wake_.notify_all();
}

bool PolicyWorker::busy() const {
    std::lock_guard lock(mutex_);
    return running_ || pending_.has_value();
}

void PolicyWorker::loop() {
    for (;;) {
        PolicyRequest request;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || pending_.has_value(); });
            if (stop_) return;
            request = std::move(*pending_);
            pending_.reset();
            running_ = true;
        }
        PolicyResult result = compute(request);
        {
            std::lock_guard lock(mutex_);
            running_ = false;
            if (stop_) return;
        }
        // Delivered on the GUI thread; dropped by Qt if this object is gone by then.
        QMetaObject::invokeMethod(
            this, [this, result = std::move(result)] { if (onResult_) onResult_(result); }, Qt::QueuedConnection);
    }
}

PolicyResult PolicyWorker::compute(const PolicyRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    PolicyResult out;
    out.generation = request.generation;
    double barsMs = 0.0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        PolicySlotResult& r = out.slots[i];
        const QString& dir = request.checkpoints[i];
        if (dir.isEmpty()) continue;
        r.used = true;
        try {
            if (slot.checkpoint != dir || !slot.probe) {
                slot.probe.reset();
                slot.prompt.reset();
                slot.checked = nullptr;
                slot.checkpoint = dir;
                slot.probe = train::PolicyProbe::open(dir.toStdString());
                const auto& c = slot.probe->config();
                slot.label = (c.name.empty() ? QFileInfo(dir).fileName() : qt(c.name)) + " (" +
                             qt(std::string(run::toString(c.method))) + ")";
            }
            r.label = slot.label;
            if (request.explorer && slot.checked != request.explorer.get()) {
                slot.probe->checkCovers(request.explorer->trie());
                slot.checked = request.explorer.get();
            }
            if (!slot.prompt || !samePrompt(*slot.prompt, request.prompt)) {
                slot.prompt.reset();
                slot.probe->setPrompt(request.prompt);
                slot.prompt = request.prompt;
            }
            r.promptText = qt(slot.probe->promptText());
            if (request.prompt.kind == train::ProbePrompt::Kind::DatasetRow) r.rows = slot.probe->rows(request.prompt.split);
            if (request.explorer) {
                const auto t = std::chrono::steady_clock::now();
                r.children = slot.probe->children(request.explorer->trie(), request.node, request.chunks);
                barsMs += msSince(t);
                if (request.title) r.title = slot.probe->title(request.explorer->trie(), *request.title);
            }
        } catch (const std::exception& e) {
            r.error = QString::fromUtf8(e.what());
            if (r.label.isEmpty()) r.label = QFileInfo(dir).fileName();
        }
    }
    out.barsMs = barsMs;
    out.totalMs = msSince(start);
    return out;
}

}  // namespace flower::widgets
