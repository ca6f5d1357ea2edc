// StallProbe: measures how long the GUI thread's event loop is unable to serve events. A precise
// timer fires every `intervalMs`; each tick records how much later than due it ran, i.e. the gap
// since the previous tick minus the interval (≥ 0). A handler that blocks the loop for B ms
// therefore shows as one sample of at least B − interval ms (and at most B); an idle loop gives
// samples near 0. The report is the distribution of those samples:
//   {"samples": n, "p50_ms": …, "p99_ms": …, "max_ms": …, "interval_ms": …}
// (percentiles by nearest rank). `flower-workbench --stall-report FILE` calls
// StallProbe::reportAtExit(FILE) once, before the event loop starts.
// Threads: create and use it on the thread whose loop is measured.
// Failure: writeReport returns false (and says why) when the file cannot be written.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>

#include <vector>

namespace flower::widgets {

struct StallReport {
    qint64 samples = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    int intervalMs = 0;

    QJsonObject toJson() const;
};

class StallProbe : public QObject {
    Q_OBJECT
public:
    explicit StallProbe(int intervalMs = 5, QObject* parent = nullptr);

    void start();
    void stop();
    bool isRunning() const;
    // Forgets the samples so far (e.g. after start-up, to measure a run alone).
    void reset();
    StallReport report() const;
    // The JSON of report() into `file` (replaced whole: written to a temporary, then renamed).
    bool writeReport(const QString& file, QString* error = nullptr) const;

    // The one-call form: a probe owned by the application, started now; at
    // QCoreApplication::aboutToQuit it writes its report to `file` (a failure is printed on
    // stderr). Returns the probe (owned by qApp).
    static StallProbe* reportAtExit(const QString& file, int intervalMs = 5);

    // Percentile by nearest rank of `sorted` (ascending), q in [0, 1]; 0 when empty.
    static double percentile(const std::vector<double>& sorted, double q);

private:
    void tick();

    QTimer timer_;
    QElapsedTimer clock_;
    qint64 lastNs_ = -1;
    int intervalMs_;
    std::vector<double> stallsMs_;
};

}  // namespace flower::widgets
