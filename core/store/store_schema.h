// The run store's SQLite schema and its forward migrations. One file per workspace
// (runs.sqlite); every number a run produces lives here. Current schema (version 4):
//
//   schema_version(version)                 one row: the schema this file has
//   runs(id, name, status, created_at, started_at, finished_at,   times: Unix seconds (REAL)
//        config_json, method, dataset, seed, code_version, host, device, error,
//        owner_pid, owner_host, owner_start, notes, sweep_id, sweep_point)
//        status ∈ queued|running|finished|failed|cancelled|interrupted; config_json is the fully
//        resolved ExperimentConfig; method/dataset are copied out of it for grouping;
//        owner_* name the process that runs it (pid, host, /proc start time against pid reuse);
//        sweep_id the sweep it belongs to (NULL: none), sweep_point its values there as a JSON
//        object in the sweep's key order ({"lambda":0.1,"seed":2})
//   sweeps(id, name, file, varied_json, axes_json, created_at)   one row per queued sweep: its
//        file, the varied keys in order (JSON array) and {"grid","zip","set"} (SweepConfig)
//   series(id, run_id, key)                 one row per scalar series ("loss/sft", "lr", ...)
//   scalars(series_id, step, epoch, value, wall_time)   PRIMARY KEY(series_id, step), WITHOUT
//        ROWID: "points after step S" is one range scan of the clustered key
//   histograms(run_id, kind, step, bin, value)          kind e.g. groups_recommended, groups_target
//   divergences(run_id, level, kind, step, value)       level title|token; kind kl_tr|kl_rt|js
//   evaluations(run_id, split, metric, k, step, value)  k = 0 for metrics without a cut-off
//   samples(id, run_id, step, prompt_id, title, valid, log_prob, split)
//   checkpoints(run_id, step, path, metric, created_at)
//   tags(run_id, tag)
// Every child table references runs(id) ON DELETE CASCADE (foreign keys are switched on).
//
// Version history: 1 = first release (no owner liveness, tags or notes); 2 = owner_pid,
// owner_host, owner_start, notes columns and the tags table; 3 = samples.split; 4 = sweeps and
// runs.sweep_id / sweep_point. A file with a newer version than
// this build knows is refused (flower::Error) rather than written with an older schema.
#pragma once

#include "core/store/sqlite_database.h"

namespace flower::store {

inline constexpr int kSchemaVersion = 4;

// The file's schema version; 0 for an empty file.
int readSchemaVersion(Database& db);

// Creates the schema in an empty file or migrates an older one to kSchemaVersion, each
// migration in its own transaction. Throws flower::Error for a newer schema.
void migrateToCurrent(Database& db);

// PRAGMAs every connection sets: WAL (readers never block the writer), synchronous=NORMAL
// (a committed transaction survives a process crash; power loss may drop the last ones),
// foreign keys on.
void configureConnection(Database& db, bool readOnly);

}  // namespace flower::store
