#include "core/store/store_schema.h"

#include "core/util/error.h"

#include <array>
#include <string>

namespace flower::store {

namespace {

// migrations[v] takes a file from version v to v + 1. Never edit a released step: add one.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES (0);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('queued','running','finished','failed','cancelled','interrupted')),
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    config_json TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT '',
    dataset TEXT NOT NULL DEFAULT '',
    seed INTEGER NOT NULL DEFAULT 0,
    code_version TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    UNIQUE (run_id, key)
);
CREATE TABLE scalars (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    value REAL NOT NULL,
    wall_time REAL NOT NULL,
    PRIMARY KEY (series_id, step)
) WITHOUT ROWID;
CREATE TABLE histograms (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    step INTEGER NOT NULL,
    bin INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, kind, step, bin)
) WITHOUT ROWID;
CREATE TABLE divergences (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('title','token')),
    kind TEXT NOT NULL CHECK (kind IN ('kl_tr','kl_rt','js')),
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, level, kind, step)
) WITHOUT ROWID;
CREATE TABLE evaluations (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    metric TEXT NOT NULL,
    k INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, split, metric, k, step)
) WITHOUT ROWID;
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    prompt_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    valid INTEGER NOT NULL,
    log_prob REAL
);
CREATE INDEX samples_by_run_step ON samples(run_id, step);
CREATE TABLE checkpoints (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    path TEXT NOT NULL,
    metric REAL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, step)
);
)sql",
    // 1 -> 2: liveness of the owning process, tags and notes.
    R"sql(
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN owner_start TEXT;
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
CREATE TABLE tags (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
)sql",
    // 2 -> 3: which split a sample's prompt comes from (the end-of-training test evaluation
    // stores its top lists at the step of the last validation).
    R"sql(
ALTER TABLE samples ADD COLUMN split TEXT NOT NULL DEFAULT 'valid';
)sql",
    // 3 -> 4: sweeps (issue 18). A sweep keeps its file and axes so that its runs can be shown
    // as one group and aggregated over seeds; a run names its sweep and its point in it.
    R"sql(
CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    file TEXT NOT NULL DEFAULT '',
    varied_json TEXT NOT NULL DEFAULT '[]',
    axes_json TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN sweep_point TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_by_sweep ON runs(sweep_id);
)sql",
};

bool hasVersionTable(Database& db) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    s.bind(1, "schema_version");
    return s.step();
}

}  // namespace

int readSchemaVersion(Database& db) {
    if (!hasVersionTable(db)) {
        auto any = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
        any.step();
        if (any.int64(0) > 0) {
            throw Error({db.file().string(), 0, ""},
                        "not a Flower run store (it has tables but no schema_version)");
        }
        return 0;
    }
    auto s = db.prepare("SELECT version FROM schema_version");
    return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

void migrateToCurrent(Database& db) {
    if (readSchemaVersion(db) == kSchemaVersion) {
        return;  // the common case: no write lock needed
    }
    // Read and migrate under one write lock, so two processes opening a new file at the same
    // time do not both create the schema.
    Transaction lock(db);
    int version = readSchemaVersion(db);
    if (version > kSchemaVersion) {
        throw Error({db.file().string(), 0, ""},
                    "schema version " + std::to_string(version) +
                        " was written by a newer Flower Workbench (this build knows up to " +
                        std::to_string(kSchemaVersion) + ")");
    }
    for (; version < kSchemaVersion; ++version) {
        db.exec(kMigrations[static_cast<size_t>(version)]);
        auto set = db.prepare("UPDATE schema_version SET version = ?1");
        set.bind(1, version + 1).run();
    }
    lock.commit();
}

void configureConnection(Database& db, bool readOnly) {
    if (!readOnly) {
        // journal_mode is stored in the file; setting it needs a write lock only once.
        const std::string mode = db.queryText("PRAGMA journal_mode = WAL");
        if (mode != "wal") {
            throw Error({db.file().string(), 0, ""},
                        "cannot switch the run store to WAL mode (got \"" + mode +
                            "\"; is it on a network file system?)");
        }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace flower::store
