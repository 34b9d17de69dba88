//! # failtale-history
//!
//! The embedded history store of failtale: a [`SqliteStore`] implementing
//! [`HistoryStore`] on a single SQLite file (built from the bundled SQLite
//! sources, so nothing needs installing).
//!
//! ```
//! use failtale_core::history::{HistoryStore, ResultRecord, RunRecord};
//! use failtale_core::model::Outcome;
//! use failtale_history::SqliteStore;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(&dir.path().join("history.db")).unwrap();
//! let run = RunRecord {
//!     commit: Some("abc123".into()),
//!     results: vec![ResultRecord { test: "a::works".into(), outcome: Outcome::Passed,
//!                                  duration_us: Some(1200), attempts: 1, fingerprint: None }],
//!     ..RunRecord::default()
//! };
//! store.record_run(&run).unwrap();
//! let slice = store.test_histories(None, 20).unwrap();
//! assert_eq!(slice.tests[0].entries[0].outcome, Outcome::Passed);
//! ```
//!
//! # How it keeps the data safe
//!
//! - The database is in WAL mode with `synchronous=NORMAL`: readers never
//!   block the writer, and a committed run survives the process being killed.
//! - Each run is recorded in **one** `BEGIN IMMEDIATE` transaction: a process
//!   killed in the middle leaves the store as it was before, and two
//!   processes recording at once take turns (each waits up to
//!   [`BUSY_TIMEOUT`] for the other) instead of failing.
//! - A commit only appends to the log. After each recorded run a thread,
//!   on its own connection, folds the log into the database file (a
//!   passive checkpoint) while the caller goes on; dropping the store, or
//!   [`SqliteStore::wait_for_checkpoint`], waits for it.
//! - The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] are
//!   applied in order, inside one transaction, when a store is opened.
//!
//! # Schema (version 3)
//!
//! - `runs(id, at_ms, recorded_ms, commit_sha, branch, ci_job, sources,
//!   tests, runner, summary)` — `summary` is the [`RunSummary`] as JSON
//!   (runs recorded before version 3 have none)
//! - `tests(id, key)` — test identities, interned
//! - `run_results(run_id, data)` — every result of a run in one compact
//!   value (gap-coded test ids, outcome, duration, attempts, fingerprint id;
//!   about 5 bytes a result): recording appends one value, and the last N
//!   runs are N reads. A test's history is read from the newest runs back,
//!   at most 200 runs; the stability table covers the tests of the last
//!   `window` runs
//! - `failures(fp_id, run_id, test_id)` — the failures of each fingerprint
//! - version 1 kept one `results` row per test per run with an index by
//!   test; opening such a store moves them over
//! - `fingerprints(id, hash, first_seen_ms, first_commit, last_seen_ms, runs_seen)`
//!   — kept when old runs are pruned, so "seen before" outlives retention
//! - `analysis_cache(fingerprint, settings, analysis, stored_ms)`
//! - `run_files(run_id, name, data)` — a run's outputs, kept by a server
//!   ([`RunArchive`])
//! - `uploads(key, claimed_ms, run_id, response)` — uploads by
//!   idempotency key: claimed while processed, then the answer given
//!
//! MSRV: Rust 1.88.

mod codec;
pub mod postgres;

pub use postgres::PgStore;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rustc_hash::FxHashMap;

use failtale_core::history::{
    AnalysisKey, CommitOutcomes, FingerprintHistory, HistoryEntry, HistoryError, HistorySlice,
    HistoryStore, ResultRecord, RunArchive, RunFile, RunId, RunInfo, RunQuery, RunRecord,
    RunSummary, StoredRun, TestHistory, UploadClaim, stability,
};
use failtale_core::model::{Analysis, Outcome};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// How long a writer waits for another process's transaction to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Schema version this release writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Testing hook for crash-consistency tests: when this environment variable
/// names a file, recording a run creates that file half-way through inserting
/// its results (inside the transaction) and then sleeps for a minute, so a
/// test can kill the process at that point. Read only in builds with the
/// `test-hooks` feature.
pub const PAUSE_ENV: &str = "FAILTALE_HISTORY_TEST_PAUSE";

/// Schema migrations; entry `i` upgrades version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        at_ms       INTEGER NOT NULL,
        recorded_ms INTEGER NOT NULL,
        commit_sha  TEXT,
        branch      TEXT,
        ci_job      TEXT,
        sources     TEXT NOT NULL,
        tests       INTEGER NOT NULL
    );
    CREATE INDEX runs_by_commit ON runs(commit_sha) WHERE commit_sha IS NOT NULL;
    CREATE TABLE tests (
        id  INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE
    );
    CREATE TABLE fingerprints (
        id            INTEGER PRIMARY KEY,
        hash          TEXT NOT NULL UNIQUE,
        first_seen_ms INTEGER NOT NULL,
        first_commit  TEXT,
        last_seen_ms  INTEGER NOT NULL,
        runs_seen     INTEGER NOT NULL
    );
    CREATE TABLE results (
        run_id      INTEGER NOT NULL,
        test_id     INTEGER NOT NULL,
        outcome     INTEGER NOT NULL,
        duration_us INTEGER,
        attempts    INTEGER NOT NULL,
        fp_id       INTEGER,
        PRIMARY KEY (run_id, test_id)
    ) WITHOUT ROWID;
    CREATE INDEX results_by_test ON results(test_id, run_id, outcome, attempts, duration_us);
    CREATE INDEX results_by_fingerprint ON results(fp_id, run_id) WHERE fp_id IS NOT NULL;
    CREATE TABLE analysis_cache (
        fingerprint TEXT NOT NULL,
        settings    TEXT NOT NULL,
        analysis    TEXT NOT NULL,
        stored_ms   INTEGER NOT NULL,
        PRIMARY KEY (fingerprint, settings)
    ) WITHOUT ROWID;",
    // 2: one row of compact results per run (see `codec`), and the
    // failures by fingerprint; the rows of `results` are moved over.
    "CREATE TABLE run_results (
        run_id INTEGER PRIMARY KEY,
        data   BLOB NOT NULL
    );
    CREATE TABLE failures (
        fp_id   INTEGER NOT NULL,
        run_id  INTEGER NOT NULL,
        test_id INTEGER NOT NULL,
        PRIMARY KEY (fp_id, run_id, test_id)
    ) WITHOUT ROWID;
    CREATE INDEX failures_by_run ON failures(run_id);",
    // 3: what a server keeps: the runner, a summary per run, each run's
    // outputs, and uploads' answers by idempotency key.
    "ALTER TABLE runs ADD COLUMN runner TEXT;
    ALTER TABLE runs ADD COLUMN summary TEXT;
    CREATE INDEX runs_by_branch ON runs(branch, id);
    CREATE TABLE run_files (
        run_id INTEGER NOT NULL,
        name   TEXT NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (run_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE uploads (
        key        TEXT PRIMARY KEY,
        claimed_ms INTEGER NOT NULL,
        run_id     INTEGER,
        response   TEXT
    ) WITHOUT ROWID;",
];

/// How many earlier failures of a fingerprint are examined for what followed them.
const FOLLOWUP_SAMPLE: i64 = 500;
/// How many later runs are looked at for what followed a failure.
const FOLLOWUP_RUNS: usize = 20;
/// At most this many runs of one commit are read for a test's outcomes at
/// that commit.
const COMMIT_RUNS: usize = 10;
/// How far back (in runs) a test's history is read.
const LOOKBACK_RUNS: usize = 200;

fn outcome_code(o: Outcome) -> i64 {
    match o {
        Outcome::Passed => 0,
        Outcome::Flaky => 1,
        Outcome::Failed => 2,
        Outcome::Error => 3,
        Outcome::Skipped => 4,
    }
}

fn outcome_of(code: i64) -> Outcome {
    match code {
        0 => Outcome::Passed,
        1 => Outcome::Flaky,
        2 => Outcome::Failed,
        3 => Outcome::Error,
        _ => Outcome::Skipped,
    }
}

/// A history store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    location: String,
    /// The database file, for a store on disk (the checkpointer opens its
    /// own connection to it).
    path: Option<PathBuf>,
    /// The checkpoint started after the last recorded run, if any.
    checkpoint: Mutex<Option<JoinHandle<rusqlite::Result<()>>>>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // The connection closes after this; it is then the last one, and
        // SQLite folds what is left of the log into the database.
        let _ = self.wait_for_checkpoint();
    }
}

impl SqliteStore {
    /// [`HistoryStore::test_histories`]; with `unsettled_only`, of every
    /// test whose recent results may make it unstable
    /// ([`stability::unsettled`]), the others skipped as they are decoded.
    fn histories(
        &self,
        tests: Option<&[String]>,
        window: usize,
        unsettled_only: bool,
    ) -> Result<HistorySlice, HistoryError> {
        let fail = self.err("read test histories");
        let mut conn = self.lock();
        // One read transaction: a consistent snapshot while writers go on.
        let tx = conn.transaction().map_err(&fail)?;
        let window = window.max(1);
        // The tests asked for, by id (all tests: `None`).
        let wanted: Option<HashMap<i64, String>> = match tests {
            Some(keys) => {
                let mut find = tx
                    .prepare_cached("SELECT id FROM tests WHERE key = ?1")
                    .map_err(&fail)?;
                let mut ids = HashMap::new();
                for k in keys {
                    if let Some(id) = find
                        .query_row([k], |r| r.get::<_, i64>(0))
                        .optional()
                        .map_err(&fail)?
                    {
                        ids.insert(id, k.clone());
                    }
                }
                Some(ids)
            }
            None => None,
        };
        let runs: Vec<i64> = {
            let mut stmt = tx
                .prepare_cached("SELECT id FROM runs ORDER BY id DESC")
                .map_err(&fail)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(&fail)?
                .collect::<Result<_, _>>()
                .map_err(&fail)?
        };
        // (test id, name, results newest first) of every test reported.
        let mut found: Vec<(i64, String, Vec<HistoryEntry>)> = match wanted {
            None => recent_tests(&tx, &runs, window, unsettled_only).map_err(&fail)?,
            Some(wanted) => {
                // In the order asked.
                let mut found: Vec<(i64, String, Vec<HistoryEntry>)> = Vec::new();
                let mut index: HashMap<i64, usize> = HashMap::new();
                let by_key: HashMap<&str, i64> =
                    wanted.iter().map(|(id, k)| (k.as_str(), *id)).collect();
                for k in tests.unwrap_or_default() {
                    if let Some(&id) = by_key.get(k.as_str())
                        && !index.contains_key(&id)
                    {
                        index.insert(id, found.len());
                        found.push((id, k.clone(), Vec::new()));
                    }
                }
                let mut short = found.len();
                for &run in runs.iter().take(LOOKBACK_RUNS.max(window)) {
                    if short == 0 {
                        break;
                    }
                    for r in run_rows(&tx, run).map_err(&fail)? {
                        if let Some(&i) = index.get(&r.test_id) {
                            let entries = &mut found[i].2;
                            if entries.len() < window {
                                entries.push(entry(run, &r));
                                if entries.len() == window {
                                    short -= 1;
                                }
                            }
                        }
                    }
                }
                found
            }
        };
        let mut slice = HistorySlice::default();
        // Every run from the oldest result on is described (a few may hold
        // none of these tests; describing them costs less than finding out).
        let mut oldest: Option<RunId> = None;
        for (_, test, mut entries) in found.drain(..) {
            let Some(last) = entries.last() else {
                continue;
            };
            oldest = Some(oldest.map_or(last.run, |o: RunId| o.min(last.run)));
            entries.reverse();
            slice.tests.push(TestHistory { test, entries });
        }
        if let Some(oldest) = oldest {
            let mut stmt = tx
                .prepare("SELECT id, at_ms, commit_sha, branch FROM runs WHERE id >= ?1")
                .map_err(&fail)?;
            let rows = stmt
                .query_map([oldest], |r| {
                    Ok(RunInfo {
                        id: r.get(0)?,
                        at_ms: r.get(1)?,
                        commit: r.get(2)?,
                        branch: r.get(3)?,
                    })
                })
                .map_err(&fail)?;
            for row in rows {
                let info = row.map_err(&fail)?;
                slice.runs.insert(info.id, info);
            }
        }
        drop(tx);
        Ok(slice)
    }
}

impl SqliteStore {
    /// Deletes the runs `select` (one `?1` parameter) names and their
    /// results, in one transaction.
    fn delete_runs(
        &self,
        action: &'static str,
        select: &str,
        param: i64,
    ) -> Result<usize, HistoryError> {
        let fail = self.err(action);
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let doomed: Vec<i64> = {
            let mut stmt = tx.prepare_cached(select).map_err(&fail)?;
            stmt.query_map([param], |r| r.get(0))
                .map_err(&fail)?
                .collect::<Result<_, _>>()
                .map_err(&fail)?
        };
        if !doomed.is_empty() {
            // Test names stay interned in `tests`: a test no stored run has
            // simply has no history (finding which ones would mean reading
            // every run).
            for sql in [
                "DELETE FROM run_results WHERE run_id = ?1",
                "DELETE FROM failures WHERE run_id = ?1",
                "DELETE FROM run_files WHERE run_id = ?1",
                "DELETE FROM runs WHERE id = ?1",
            ] {
                let mut stmt = tx.prepare_cached(sql).map_err(&fail)?;
                for id in &doomed {
                    stmt.execute([id]).map_err(&fail)?;
                }
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(doomed.len())
    }

    /// Opens (creating it and its directory if needed) the store at `path`
    /// and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let location = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| HistoryError::Backend {
                location: location.clone(),
                action: "create its directory",
                source: Box::new(e),
            })?;
        }
        let conn = Connection::open(path).map_err(backend(&location, "open"))?;
        Self::setup(conn, location, Some(path.to_owned()))
    }

    /// A store in memory, for tests and one-off use.
    pub fn open_in_memory() -> Result<Self, HistoryError> {
        let location = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(backend(&location, "open"))?;
        Self::setup(conn, location, None)
    }

    fn setup(
        mut conn: Connection,
        location: String,
        path: Option<PathBuf>,
    ) -> Result<Self, HistoryError> {
        let fail = backend(&location, "open");
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&fail)?;
        // Recording one run touches a page of the by-test index for each
        // test: a page cache that holds the working set (64 MiB) and
        // memory-mapped reads keep that cheap.
        conn.pragma_update(None, "cache_size", -65_536)
            .map_err(&fail)?;
        conn.pragma_update(None, "mmap_size", 268_435_456_i64)
            .map_err(&fail)?;
        if path.is_some() {
            // Switching to WAL needs a moment with no other writer; the busy
            // handler covers most races, the loop the rest.
            let mut tries = 0;
            loop {
                match conn
                    .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
                {
                    Ok(_) => break,
                    Err(e) if tries < 100 && is_busy(&e) => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(fail(e)),
                }
            }
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(&fail)?;
            // A commit does not fold the log into the database itself (with
            // a large run, that doubled the time to record it): a thread
            // does it after each recorded run, on its own connection, while
            // the caller goes on (see `start_checkpoint`).
            conn.pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(&fail)?;
        }
        migrate(&mut conn, &location)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            location,
            path,
            checkpoint: Mutex::new(None),
        })
    }

    /// Starts folding the write-ahead log into the database on a thread of
    /// its own (a passive checkpoint: readers and writers are not held
    /// up). One runs at a time; a store in memory has none.
    fn start_checkpoint(&self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let mut slot = self.checkpoint.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            // The one running will see this run's pages too, or the next
            // one (or closing the store) will.
            return;
        }
        *slot = Some(std::thread::spawn(move || {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        }));
    }

    /// Waits for the checkpoint started after the last recorded run, so
    /// that the run is in the database file itself (and, on systems that
    /// honour it, on disk). A failed checkpoint loses nothing: the run
    /// stays in the log, and the next checkpoint, or closing the store,
    /// folds it in.
    pub fn wait_for_checkpoint(&self) -> Result<(), HistoryError> {
        let handle = self
            .checkpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match handle.map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(self.err("fold the log into the database")(e)),
            Some(Err(_)) => Err(HistoryError::Backend {
                location: self.location.clone(),
                action: "fold the log into the database",
                source: "the checkpoint thread panicked".into(),
            }),
        }
    }

    /// Where the store is.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, HistoryError> {
        self.lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(self.err("read the schema version"))
    }

    /// The journal mode (`wal` for a file store).
    pub fn journal_mode(&self) -> Result<String, HistoryError> {
        self.lock()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(self.err("read the journal mode"))
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or the problems found.
    pub fn integrity_check(&self) -> Result<String, HistoryError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.err("check integrity"))?;
        let rows: Result<Vec<String>, _> = stmt
            .query_map([], |r| r.get(0))
            .map_err(self.err("check integrity"))?
            .collect();
        Ok(rows.map_err(self.err("check integrity"))?.join("\n"))
    }

    /// Number of results stored (all runs, each read).
    pub fn result_count(&self) -> Result<u64, HistoryError> {
        Ok(self.results_per_run()?.iter().map(|(_, _, n)| n).sum())
    }

    /// Every run as (id, the test count recorded with it, the results
    /// stored for it): the two counts differ only if a run was stored in part.
    pub fn results_per_run(&self) -> Result<Vec<(RunId, u64, u64)>, HistoryError> {
        let fail = self.err("count results");
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT ru.id, ru.tests, rr.data FROM runs ru LEFT JOIN run_results rr ON rr.run_id = ru.id ORDER BY ru.id")
            .map_err(&fail)?;
        let rows = stmt
            .query_map([], |r| {
                let data: Option<Vec<u8>> = r.get(2)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?.max(0) as u64,
                    data.map_or(0, |d| codec::decode(&d).len() as u64),
                ))
            })
            .map_err(&fail)?;
        rows.collect::<Result<_, _>>().map_err(&fail)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        backend(&self.location, action)
    }
}

fn backend(
    location: &str,
    action: &'static str,
) -> impl Fn(rusqlite::Error) -> HistoryError + use<> {
    let location = location.to_owned();
    move |e| HistoryError::Backend {
        location: location.clone(),
        action,
        source: Box::new(e),
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn migrate(conn: &mut Connection, location: &str) -> Result<(), HistoryError> {
    let fail = backend(location, "migrate its schema");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(&fail)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&fail)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(&fail)?;
    if version > SCHEMA_VERSION {
        return Err(HistoryError::TooNew {
            location: location.to_owned(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql).map_err(&fail)?;
        if n == 1 {
            move_results_into_runs(&tx).map_err(&fail)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(&fail)?;
    tx.commit().map_err(&fail)
}

/// Stops half-way through recording a run when [`PAUSE_ENV`] names a
/// file (written first), so a test can kill the process inside the
/// transaction. Compiled only with the `test-hooks` feature, which only
/// this workspace's tests enable.
#[cfg(feature = "test-hooks")]
fn pause_for_tests() {
    if let Some(path) = std::env::var_os(PAUSE_ENV) {
        let _ = std::fs::write(
            std::path::PathBuf::from(path),
            b"paused inside the transaction\n",
        );
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[cfg(not(feature = "test-hooks"))]
fn pause_for_tests() {}

/// Schema 1 kept one row per test per run; schema 2 one value per run.
fn move_results_into_runs(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let runs: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM runs ORDER BY id")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    {
        let mut rows_of = tx.prepare(
            "SELECT test_id, outcome, duration_us, attempts, fp_id FROM results
             WHERE run_id = ?1 ORDER BY test_id",
        )?;
        let mut put = tx.prepare("INSERT INTO run_results (run_id, data) VALUES (?1, ?2)")?;
        let mut fail = tx.prepare(
            "INSERT OR IGNORE INTO failures (fp_id, run_id, test_id) VALUES (?1, ?2, ?3)",
        )?;
        for run in runs {
            let rows: Vec<codec::Row> = rows_of
                .query_map([run], |r| {
                    Ok(codec::Row {
                        test_id: r.get(0)?,
                        outcome: r.get::<_, i64>(1)?.clamp(0, 4) as u8,
                        duration_us: r.get::<_, Option<i64>>(2)?.map(|d| d.max(0) as u64),
                        attempts: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
                        fp_id: r.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            put.execute(params![run, codec::encode(&rows)])?;
            for r in &rows {
                if let Some(fp) = r.fp_id {
                    fail.execute(params![fp, run, r.test_id])?;
                }
            }
        }
    }
    tx.execute_batch("DROP TABLE results;")
}

/// A run's results, decoded; empty when the run has none stored.
fn run_rows(tx: &rusqlite::Connection, run: i64) -> rusqlite::Result<Vec<codec::Row>> {
    Ok(codec::decode(&run_data(tx, run)?))
}

/// A run's stored value (empty when it has none).
fn run_data(tx: &rusqlite::Connection, run: i64) -> rusqlite::Result<Vec<u8>> {
    Ok(tx
        .prepare_cached("SELECT data FROM run_results WHERE run_id = ?1")?
        .query_row([run], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Every test of the last `window` runs (`runs` newest first), in test id
/// order, with its last `window` results, newest first: the runs are
/// decoded once and merged test by test, and only the tests with fewer
/// results are looked for in older runs (at most [`LOOKBACK_RUNS`] back).
///
/// With `unsettled_only`, a test whose last `window` results are all there
/// and settled ([`stability::unsettled`]) is skipped as soon as they are
/// decoded, without allocating for it or reading its name.
fn recent_tests(
    tx: &rusqlite::Connection,
    runs: &[i64],
    window: usize,
    unsettled_only: bool,
) -> rusqlite::Result<Vec<(i64, String, Vec<HistoryEntry>)>> {
    let blobs: Vec<(i64, Vec<u8>)> = runs
        .iter()
        .take(window)
        .map(|&run| Ok((run, run_data(tx, run)?)))
        .collect::<rusqlite::Result<_>>()?;
    let mut recent: Vec<(i64, std::iter::Peekable<codec::Decoder<'_>>)> = blobs
        .iter()
        .map(|(run, data)| (*run, codec::Decoder::new(data).peekable()))
        .collect();
    let mut names = tx.prepare_cached("SELECT id, key FROM tests ORDER BY id")?;
    let mut names = names.query([])?;
    let mut name: Option<(i64, String)> = None;
    let mut out = Vec::new();
    let mut entries = Vec::with_capacity(window);
    // Unnamed here; named below (few, when only unsettled tests are kept).
    let mut unnamed: Vec<(i64, Vec<HistoryEntry>)> = Vec::new();
    loop {
        let next = recent
            .iter_mut()
            .filter_map(|(_, rows)| rows.peek().map(|r| r.test_id))
            .min();
        let Some(id) = next else { break };
        entries.clear();
        for (run, rows) in &mut recent {
            if let Some(r) = rows.next_if(|r| r.test_id == id) {
                entries.push(entry(*run, &r));
            }
        }
        if unsettled_only {
            if entries.len() < window || stability::unsettled(&entries, window) {
                unnamed.push((id, entries.clone()));
            }
            continue;
        }
        let entries = std::mem::replace(&mut entries, Vec::with_capacity(window));
        // The names come in id order too.
        while name.as_ref().is_none_or(|(n, _)| *n < id) {
            match names.next()? {
                Some(row) => name = Some((row.get(0)?, row.get(1)?)),
                None => {
                    name = None;
                    break;
                }
            }
        }
        if let Some((n, key)) = &name
            && *n == id
        {
            out.push((id, key.clone(), entries));
        }
    }
    if unsettled_only {
        let mut key = tx.prepare_cached("SELECT key FROM tests WHERE id = ?1")?;
        for (id, entries) in unnamed {
            if let Some(k) = key.query_row([id], |r| r.get(0)).optional()? {
                out.push((id, k, entries));
            }
        }
    }
    let mut short: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].2.len() < window)
        .collect();
    for &run in runs
        .iter()
        .skip(window)
        .take(LOOKBACK_RUNS.saturating_sub(window))
    {
        if short.is_empty() {
            break;
        }
        let rows = run_rows(tx, run)?;
        short.retain(|&i| {
            let (id, _, entries) = &mut out[i];
            if let Ok(at) = rows.binary_search_by_key(id, |r| r.test_id) {
                entries.push(entry(run, &rows[at]));
            }
            entries.len() < window
        });
    }
    if unsettled_only {
        out.retain(|(_, _, entries)| stability::unsettled(entries, window));
    }
    Ok(out)
}

fn entry(run: i64, r: &codec::Row) -> HistoryEntry {
    HistoryEntry {
        run,
        outcome: outcome_of(i64::from(r.outcome)),
        duration_us: r.duration_us,
        attempts: r.attempts,
    }
}

/// `INSERT INTO tests` of `rows` rows of (id, key).
fn add_tests_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO tests (id, key) VALUES ");
    for n in 0..rows {
        if n > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("(?{}, ?{})", 2 * n + 1, 2 * n + 2));
    }
    sql
}

/// The stored id of each result's test, adding the tests not stored yet.
///
/// When the store holds no more tests than a few runs of this size, one
/// pass over the `tests` table (matching names against the run's, without
/// copying them) finds the known ones: far cheaper than a lookup in the
/// name index per test. A store with many more tests is asked per name.
/// New names are added in name order, so the name index grows at its end
/// rather than in random places.
fn test_ids(
    tx: &rusqlite::Transaction<'_>,
    results: &[ResultRecord],
) -> rusqlite::Result<Vec<i64>> {
    const UNKNOWN: i64 = 0;
    let mut ids = vec![UNKNOWN; results.len()];
    let stored: i64 = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM tests")?
        .query_row([], |r| r.get(0))?;
    if stored <= 4 * results.len() as i64 + 64 {
        let mut wanted: FxHashMap<&str, usize> =
            FxHashMap::with_capacity_and_hasher(results.len(), Default::default());
        // A test named twice in one run takes the id of its first result.
        let mut repeats: Vec<(usize, usize)> = Vec::new();
        for (i, r) in results.iter().enumerate() {
            match wanted.entry(r.test.as_str()) {
                Entry::Vacant(v) => {
                    v.insert(i);
                }
                Entry::Occupied(o) => repeats.push((i, *o.get())),
            }
        }
        if stored > 0 {
            let mut all = tx.prepare_cached("SELECT id, key FROM tests")?;
            let mut rows = all.query([])?;
            while let Some(row) = rows.next()? {
                let key = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
                if let Some(&i) = wanted.get(key) {
                    ids[i] = row.get(0)?;
                }
            }
        }
        for (i, first) in repeats {
            ids[i] = ids[first];
        }
    } else {
        let mut find = tx.prepare_cached("SELECT id FROM tests WHERE key = ?1")?;
        for (i, r) in results.iter().enumerate() {
            if let Some(id) = find.query_row([&r.test], |row| row.get(0)).optional()? {
                ids[i] = id;
            }
        }
    }
    let mut new: Vec<usize> = (0..results.len()).filter(|&i| ids[i] == UNKNOWN).collect();
    if new.is_empty() {
        return Ok(ids);
    }
    new.sort_unstable_by(|&a, &b| results[a].test.cmp(&results[b].test));
    // The same name twice in one run is one test.
    let mut names: Vec<&str> = Vec::with_capacity(new.len());
    let mut next = stored;
    for &i in &new {
        let key = results[i].test.as_str();
        if names.last() != Some(&key) {
            names.push(key);
            next += 1;
        }
        ids[i] = next;
    }
    // Ids are given, not taken from SQLite, so that many rows go in one
    // statement: the transaction is the only writer.
    // The `n`th new name takes id `stored + 1 + n`, as given above.
    const ROWS: usize = 200;
    let full = add_tests_sql(ROWS);
    for (c, chunk) in names.chunks(ROWS).enumerate() {
        let (mut cached, mut once);
        // The last, shorter statement is used once: not kept in the cache.
        let add: &mut rusqlite::Statement<'_> = if chunk.len() == ROWS {
            cached = tx.prepare_cached(&full)?;
            &mut cached
        } else {
            once = tx.prepare(&add_tests_sql(chunk.len()))?;
            &mut once
        };
        for (n, key) in chunk.iter().enumerate() {
            add.raw_bind_parameter(2 * n + 1, stored + 1 + (c * ROWS + n) as i64)?;
            add.raw_bind_parameter(2 * n + 2, key)?;
        }
        add.raw_execute()?;
    }
    Ok(ids)
}

fn insert_run(tx: &rusqlite::Transaction<'_>, run: &RunRecord) -> rusqlite::Result<RunId> {
    let sources = serde_json::to_string(&run.sources).unwrap_or_else(|_| "[]".into());
    let summary = serde_json::to_string(&RunSummary::of(&run.results)).ok();
    tx.prepare_cached(
        "INSERT INTO runs (at_ms, recorded_ms, commit_sha, branch, ci_job, sources, tests, runner, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        run.at_ms,
        run.recorded_ms,
        run.commit,
        run.branch,
        run.ci_job,
        sources,
        run.results.len() as i64,
        run.runner,
        summary
    ])?;
    let run_id = tx.last_insert_rowid();
    let test_ids = test_ids(tx, &run.results)?;
    let mut add_fingerprint = tx.prepare_cached(
        "INSERT INTO fingerprints (hash, first_seen_ms, first_commit, last_seen_ms, runs_seen)
         VALUES (?1, ?2, ?3, ?2, 1)
         ON CONFLICT (hash) DO UPDATE SET
            runs_seen = runs_seen + 1,
            last_seen_ms = max(last_seen_ms, excluded.last_seen_ms),
            first_commit = CASE WHEN excluded.first_seen_ms < first_seen_ms
                                THEN excluded.first_commit ELSE first_commit END,
            first_seen_ms = min(first_seen_ms, excluded.first_seen_ms)
         RETURNING id",
    )?;
    let mut fingerprint_ids: HashMap<&str, i64> = HashMap::new();
    let mut rows = Vec::with_capacity(run.results.len());
    for (r, &test_id) in run.results.iter().zip(&test_ids) {
        let fp_id = match r.fingerprint.as_deref() {
            None => None,
            Some(hash) => Some(match fingerprint_ids.get(hash) {
                Some(&id) => id,
                None => {
                    let id: i64 = add_fingerprint
                        .query_row(params![hash, run.at_ms, run.commit], |row| row.get(0))?;
                    fingerprint_ids.insert(hash, id);
                    id
                }
            }),
        };
        rows.push(codec::Row {
            test_id,
            outcome: outcome_code(r.outcome) as u8,
            duration_us: r.duration_us,
            attempts: r.attempts,
            fp_id,
        });
    }
    rows.sort_unstable_by_key(|r| r.test_id);
    rows.dedup_by_key(|r| r.test_id);
    tx.prepare_cached("INSERT INTO run_results (run_id, data) VALUES (?1, ?2)")?
        .execute(params![run_id, codec::encode(&rows)])?;
    pause_for_tests();
    let mut add_failure = tx.prepare_cached(
        "INSERT OR IGNORE INTO failures (fp_id, run_id, test_id) VALUES (?1, ?2, ?3)",
    )?;
    for r in &rows {
        if let Some(fp) = r.fp_id {
            add_failure.execute(params![fp, run_id, r.test_id])?;
        }
    }
    Ok(run_id)
}

impl HistoryStore for SqliteStore {
    fn record_run(&self, run: &RunRecord) -> Result<RunId, HistoryError> {
        Ok(self.record_runs(std::slice::from_ref(run))?[0])
    }

    fn record_runs(&self, runs: &[RunRecord]) -> Result<Vec<RunId>, HistoryError> {
        let fail = self.err("record a run");
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let mut ids = Vec::with_capacity(runs.len());
        for run in runs {
            ids.push(insert_run(&tx, run).map_err(&fail)?);
        }
        tx.commit().map_err(&fail)?;
        drop(conn);
        self.start_checkpoint();
        Ok(ids)
    }

    fn test_histories(
        &self,
        tests: Option<&[String]>,
        window: usize,
    ) -> Result<HistorySlice, HistoryError> {
        self.histories(tests, window, false)
    }

    fn unsettled_histories(&self, window: usize) -> Result<HistorySlice, HistoryError> {
        self.histories(None, window, true)
    }

    fn commit_outcomes(
        &self,
        commit: &str,
        tests: &[String],
        exclude_run: Option<RunId>,
    ) -> Result<HashMap<String, CommitOutcomes>, HistoryError> {
        let fail = self.err("read results by commit");
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(&fail)?;
        let mut wanted: HashMap<i64, &String> = HashMap::new();
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM tests WHERE key = ?1")
                .map_err(&fail)?;
            for k in tests {
                if let Some(id) = find
                    .query_row([k], |r| r.get::<_, i64>(0))
                    .optional()
                    .map_err(&fail)?
                {
                    wanted.insert(id, k);
                }
            }
        }
        let runs: Vec<i64> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id FROM runs WHERE commit_sha = ?1 AND id != ?2 ORDER BY id DESC LIMIT ?3",
                )
                .map_err(&fail)?;
            // The latest runs of the commit: enough to tell a flake, and the
            // cost stays flat however often one commit was run.
            stmt.query_map(
                params![commit, exclude_run.unwrap_or(-1), COMMIT_RUNS as i64],
                |r| r.get(0),
            )
            .map_err(&fail)?
            .collect::<Result<_, _>>()
            .map_err(&fail)?
        };
        let mut out: HashMap<String, CommitOutcomes> = HashMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        for run in runs {
            for r in run_rows(&tx, run).map_err(&fail)? {
                let Some(key) = wanted.get(&r.test_id) else {
                    continue;
                };
                let o = out.entry((*key).clone()).or_default();
                match r.outcome {
                    0 | 1 => o.passed += 1,
                    2 | 3 => o.failed += 1,
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    fn fingerprints(&self, hashes: &[String]) -> Result<Vec<FingerprintHistory>, HistoryError> {
        let fail = self.err("read fingerprints");
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(&fail)?;
        let mut out = Vec::new();
        {
            let mut find = tx
                .prepare_cached(
                    "SELECT id, first_seen_ms, last_seen_ms, runs_seen, first_commit
                     FROM fingerprints WHERE hash = ?1",
                )
                .map_err(&fail)?;
            let mut occurrences = tx
                .prepare_cached(
                    "SELECT f.test_id, f.run_id, ru.commit_sha
                     FROM failures f JOIN runs ru ON ru.id = f.run_id
                     WHERE f.fp_id = ?1 ORDER BY f.run_id DESC LIMIT ?2",
                )
                .map_err(&fail)?;
            // The runs after each failure, newest last, read once per call.
            let runs: Vec<(i64, Option<String>)> = {
                let mut stmt = tx
                    .prepare_cached("SELECT id, commit_sha FROM runs ORDER BY id")
                    .map_err(&fail)?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(&fail)?
                    .collect::<Result<_, _>>()
                    .map_err(&fail)?
            };
            // First the fingerprints and their sampled occurrences, to know
            // which tests' outcomes in which runs are needed; then each of
            // those runs is decoded once, keeping only those outcomes (a
            // run of 188,000 tests is not held whole, nor twenty of them).
            type Found = (
                String,
                i64,
                i64,
                i64,
                Option<String>,
                Vec<(i64, i64, Option<String>)>,
            );
            let mut found: Vec<Found> = Vec::new();
            let mut wanted_tests: std::collections::HashSet<i64> = Default::default();
            let mut wanted_runs: std::collections::BTreeSet<i64> = Default::default();
            for hash in hashes {
                let Some((id, first, last, seen, first_commit)) = find
                    .query_row([hash], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                        ))
                    })
                    .optional()
                    .map_err(&fail)?
                else {
                    continue;
                };
                let occ: Vec<(i64, i64, Option<String>)> = occurrences
                    .query_map(params![id, FOLLOWUP_SAMPLE], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .map_err(&fail)?
                    .collect::<Result<_, _>>()
                    .map_err(&fail)?;
                for (test_id, run_id, _) in &occ {
                    wanted_tests.insert(*test_id);
                    let from = runs.partition_point(|(r, _)| r <= run_id);
                    wanted_runs.extend(runs[from..].iter().take(FOLLOWUP_RUNS).map(|(r, _)| *r));
                }
                found.push((hash.clone(), first, last, seen, first_commit, occ));
            }
            let mut outcomes: HashMap<(i64, i64), u8> = HashMap::new();
            for &run in &wanted_runs {
                for r in run_rows(&tx, run).map_err(&fail)? {
                    if wanted_tests.contains(&r.test_id) {
                        outcomes.insert((run, r.test_id), r.outcome);
                    }
                }
            }
            // The first recorded outcome of `test_id` in the runs after `after`.
            let next = |test_id: i64, after: i64| -> Option<(i64, Option<String>)> {
                let from = runs.partition_point(|(id, _)| *id <= after);
                runs[from..]
                    .iter()
                    .take(FOLLOWUP_RUNS)
                    .find_map(|(run, commit)| {
                        outcomes
                            .get(&(*run, test_id))
                            .filter(|&&o| o != 4)
                            .map(|&o| (i64::from(o), commit.clone()))
                    })
            };
            for (hash, first, last, seen, first_commit, occ) in found {
                let (mut followed, mut passed_same) = (0u64, 0u64);
                for (test_id, run_id, commit) in occ {
                    if let Some((outcome, next_commit)) = next(test_id, run_id) {
                        followed += 1;
                        if outcome <= 1 && commit.is_some() && commit == next_commit {
                            passed_same += 1;
                        }
                    }
                }
                out.push(FingerprintHistory {
                    fingerprint: hash,
                    first_seen_ms: first,
                    last_seen_ms: last,
                    runs_seen: seen.max(0) as u64,
                    first_commit,
                    followed,
                    followed_by_pass_same_commit: passed_same,
                });
            }
        }
        drop(tx);
        Ok(out)
    }

    fn prune(&self, keep_per_branch: usize) -> Result<usize, HistoryError> {
        self.delete_runs(
            "prune old runs",
            "SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (PARTITION BY branch ORDER BY id DESC) AS n
                FROM runs)
             WHERE n > ?1",
            keep_per_branch as i64,
        )
    }

    fn prune_before(&self, before_ms: i64) -> Result<usize, HistoryError> {
        self.delete_runs(
            "prune runs by age",
            "SELECT id FROM runs WHERE at_ms < ?1",
            before_ms,
        )
    }

    fn run_count(&self) -> Result<u64, HistoryError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .map_err(self.err("count runs"))
    }

    fn cached_analysis(&self, key: &AnalysisKey) -> Result<Option<Analysis>, HistoryError> {
        let text: Option<String> = self
            .lock()
            .query_row(
                "SELECT analysis FROM analysis_cache WHERE fingerprint = ?1 AND settings = ?2",
                params![key.fingerprint, key.settings],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("read the analysis cache"))?;
        // An entry this release cannot read is a cache miss, not an error.
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    fn cache_analysis(&self, key: &AnalysisKey, analysis: &Analysis) -> Result<(), HistoryError> {
        let text = serde_json::to_string(analysis).map_err(|e| HistoryError::Backend {
            location: self.location.clone(),
            action: "serialise an analysis",
            source: Box::new(e),
        })?;
        self.lock()
            .execute(
                "INSERT INTO analysis_cache (fingerprint, settings, analysis, stored_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (fingerprint, settings) DO UPDATE SET
                    analysis = excluded.analysis, stored_ms = excluded.stored_ms",
                params![
                    key.fingerprint,
                    key.settings,
                    text,
                    failtale_core::history::time::now_ms()
                ],
            )
            .map_err(self.err("write the analysis cache"))?;
        Ok(())
    }
}

impl RunArchive for SqliteStore {
    fn list_runs(&self, query: &RunQuery) -> Result<(Vec<StoredRun>, u64), HistoryError> {
        let fail = self.err("list runs");
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(&fail)?;
        let total: i64 = tx
            .prepare_cached("SELECT count(*) FROM runs WHERE ?1 IS NULL OR branch = ?1")
            .and_then(|mut s| s.query_row([&query.branch], |r| r.get(0)))
            .map_err(&fail)?;
        let mut stmt = tx
            .prepare_cached(
                "SELECT id, at_ms, recorded_ms, commit_sha, branch, ci_job, runner, summary, tests
                 FROM runs WHERE ?1 IS NULL OR branch = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(&fail)?;
        let runs = stmt
            .query_map(
                params![query.branch, query.limit.min(i64::MAX as usize) as i64],
                |r| {
                    let summary: Option<String> = r.get(7)?;
                    let tests: i64 = r.get(8)?;
                    let mut run = StoredRun::default();
                    run.id = r.get(0)?;
                    run.at_ms = r.get(1)?;
                    run.recorded_ms = r.get(2)?;
                    run.commit = r.get(3)?;
                    run.branch = r.get(4)?;
                    run.ci_job = r.get(5)?;
                    run.runner = r.get(6)?;
                    run.summary = stored_summary(summary.as_deref(), tests);
                    Ok(run)
                },
            )
            .map_err(&fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&fail)?;
        Ok((runs, total.max(0) as u64))
    }

    fn archive_run(
        &self,
        run: RunId,
        files: &[RunFile],
        upload: Option<(&str, &str)>,
    ) -> Result<(), HistoryError> {
        let fail = self.err("keep a run's outputs");
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        {
            let mut add = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO run_files (run_id, name, data) VALUES (?1, ?2, ?3)",
                )
                .map_err(&fail)?;
            for f in files {
                add.execute(params![run, f.name, f.data]).map_err(&fail)?;
            }
        }
        if let Some((key, response)) = upload {
            tx.prepare_cached(
                "INSERT INTO uploads (key, claimed_ms, run_id, response) VALUES (?1, 0, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, response = excluded.response",
            )
            .and_then(|mut s| s.execute(params![key, run, response]))
            .map_err(&fail)?;
        }
        tx.commit().map_err(&fail)?;
        drop(conn);
        self.start_checkpoint();
        Ok(())
    }

    fn run_file(&self, run: RunId, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        self.lock()
            .prepare_cached("SELECT data FROM run_files WHERE run_id = ?1 AND name = ?2")
            .and_then(|mut s| s.query_row(params![run, name], |r| r.get(0)).optional())
            .map_err(self.err("read a run's output"))
    }

    fn claim_upload(
        &self,
        key: &str,
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Result<UploadClaim, HistoryError> {
        let fail = self.err("claim an upload");
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let found: Option<(i64, Option<i64>, Option<String>)> = tx
            .prepare_cached("SELECT claimed_ms, run_id, response FROM uploads WHERE key = ?1")
            .and_then(|mut s| {
                s.query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(&fail)?;
        let claim = match found {
            Some((_, Some(run), Some(response))) => UploadClaim::Done { run, response },
            Some((claimed, _, _)) if now_ms.saturating_sub(claimed) < stale_after_ms => {
                UploadClaim::InProgress
            }
            _ => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO uploads (key, claimed_ms, run_id, response)
                     VALUES (?1, ?2, NULL, NULL)",
                )
                .and_then(|mut s| s.execute(params![key, now_ms]))
                .map_err(&fail)?;
                UploadClaim::Claimed
            }
        };
        tx.commit().map_err(&fail)?;
        Ok(claim)
    }

    fn release_upload(&self, key: &str) -> Result<(), HistoryError> {
        self.lock()
            .prepare_cached("DELETE FROM uploads WHERE key = ?1 AND response IS NULL")
            .and_then(|mut s| s.execute([key]))
            .map(drop)
            .map_err(self.err("release an upload"))
    }
}

/// A run's stored summary (JSON), or for a run recorded before summaries
/// were kept, only its number of tests.
fn stored_summary(json: Option<&str>, tests: i64) -> RunSummary {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| {
            let mut s = RunSummary::default();
            s.tests = tests.max(0) as u64;
            s
        })
}

/// Opens the history at `location`: a PostgreSQL URL (`postgres://…` or
/// `postgresql://…`, shared by many runners and servers) or the path of a
/// SQLite file (created with its directory when missing).
pub fn open_location(location: &Path) -> Result<std::sync::Arc<dyn RunArchive>, HistoryError> {
    match location.to_str().filter(|l| postgres::is_postgres_url(l)) {
        Some(url) => Ok(std::sync::Arc::new(PgStore::connect(url, 4)?)),
        None => Ok(std::sync::Arc::new(SqliteStore::open(location)?)),
    }
}

/// `location` as messages and reports may show it: a URL without its
/// password.
pub fn display_location(location: &Path) -> String {
    let text = location.display().to_string();
    if postgres::is_postgres_url(&text) {
        postgres::redacted(&text)
    } else {
        text
    }
}

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_database_url(location: &Path) -> bool {
    location.to_str().is_some_and(postgres::is_postgres_url)
}

/// Convenience: opens the store at `path`, as a boxed trait object.
pub fn open(path: &Path) -> Result<Box<dyn HistoryStore>, HistoryError> {
    Ok(Box::new(SqliteStore::open(path)?))
}

/// Every run in the store, by id (for tools and tests).
pub fn runs(store: &SqliteStore) -> Result<BTreeMap<RunId, RunInfo>, HistoryError> {
    let conn = store.lock();
    let mut stmt = conn
        .prepare("SELECT id, at_ms, commit_sha, branch FROM runs")
        .map_err(store.err("list runs"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(RunInfo {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                commit: r.get(2)?,
                branch: r.get(3)?,
            })
        })
        .map_err(store.err("list runs"))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let info = row.map_err(store.err("list runs"))?;
        out.insert(info.id, info);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of the given tests (all passing), recorded one by one.
    fn runs_of(store: &SqliteStore, runs: &[&[&str]]) {
        for (n, tests) in runs.iter().enumerate() {
            let run = RunRecord {
                at_ms: n as i64,
                results: tests
                    .iter()
                    .map(|t| ResultRecord {
                        test: (*t).into(),
                        outcome: Outcome::Passed,
                        duration_us: None,
                        attempts: 1,
                        fingerprint: None,
                    })
                    .collect(),
                ..RunRecord::default()
            };
            store.record_run(&run).unwrap();
        }
    }

    #[test]
    fn a_test_keeps_one_id_across_runs_whether_the_store_is_scanned_or_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("h.db")).unwrap();
        // New names out of order, a name twice in one run, known and new
        // names mixed, and more names than one insert statement holds.
        let many: Vec<String> = (0..450).rev().map(|i| format!("m::t{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        runs_of(&store, &[&["b", "a", "b"], &["c", "a", "c", "d"], &many]);
        // A run small beside the store is looked up name by name.
        runs_of(&store, &[&["a", "m::t7", "e"]]);
        let slice = store.test_histories(None, 20).unwrap();
        let count = |name: &str| {
            slice
                .tests
                .iter()
                .filter(|t| t.test == name)
                .map(|t| t.entries.len())
                .collect::<Vec<_>>()
        };
        assert_eq!(count("a"), [3]);
        assert_eq!(count("b"), [1]);
        assert_eq!(count("c"), [1]);
        assert_eq!(count("d"), [1]);
        assert_eq!(count("e"), [1]);
        assert_eq!(count("m::t7"), [2]);
        assert_eq!(count("m::t449"), [1]);
        assert_eq!(slice.tests.len(), 5 + 450);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_version_1_store_is_moved_over_with_every_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO tests (id, key) VALUES (1, 'a::one'), (2, 'a::two');
                 INSERT INTO fingerprints (id, hash, first_seen_ms, last_seen_ms, runs_seen)
                   VALUES (1, 'ffff', 10, 20, 2);
                 INSERT INTO runs (id, at_ms, recorded_ms, commit_sha, branch, sources, tests)
                   VALUES (1, 10, 10, 'c1', 'main', '[]', 2), (2, 20, 20, 'c1', 'main', '[]', 2);
                 INSERT INTO results VALUES (1, 1, 0, 1000, 1, NULL), (1, 2, 2, NULL, 1, 1),
                                            (2, 1, 4, 5, 1, NULL), (2, 2, 0, 7, 2, NULL);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.results_per_run().unwrap(), [(1, 2, 2), (2, 2, 2)]);
        let slice = store.test_histories(None, 20).unwrap();
        let two = slice.tests.iter().find(|t| t.test == "a::two").unwrap();
        let got: Vec<_> = two
            .entries
            .iter()
            .map(|e| (e.run, e.outcome, e.duration_us, e.attempts))
            .collect();
        assert_eq!(
            got,
            [
                (1, Outcome::Failed, None, 1),
                (2, Outcome::Passed, Some(7), 2)
            ]
        );
        // The failure is still found by its fingerprint, and what followed it:
        // a pass on the same commit.
        let fp = store.fingerprints(&["ffff".into()]).unwrap();
        assert_eq!((fp[0].followed, fp[0].followed_by_pass_same_commit), (1, 1));
        let by_commit = store
            .commit_outcomes("c1", &["a::two".into(), "a::one".into()], None)
            .unwrap();
        assert_eq!(
            (by_commit["a::two"].passed, by_commit["a::two"].failed),
            (1, 1)
        );
        assert_eq!(by_commit["a::one"].passed, 1, "a skip counts as neither");
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn the_stability_table_covers_the_tests_of_the_last_window_runs() {
        let store = SqliteStore::open_in_memory().unwrap();
        let result = |test: &str| failtale_core::history::ResultRecord {
            test: test.into(),
            outcome: Outcome::Passed,
            duration_us: None,
            attempts: 1,
            fingerprint: None,
        };
        // `old` ran only in the first run; `kept` in all 5.
        for run in 0..5 {
            let mut results = vec![result("kept")];
            if run == 0 {
                results.push(result("old"));
            }
            store
                .record_run(&RunRecord {
                    results,
                    ..RunRecord::default()
                })
                .unwrap();
        }
        let names = |window| -> Vec<(String, usize)> {
            store
                .test_histories(None, window)
                .unwrap()
                .tests
                .into_iter()
                .map(|t| (t.test, t.entries.len()))
                .collect()
        };
        assert_eq!(names(3), [("kept".to_owned(), 3)]);
        assert_eq!(names(5), [("kept".to_owned(), 5), ("old".to_owned(), 1)]);
        // Asked for by name, a test is looked for further back.
        let asked = store.test_histories(Some(&["old".into()]), 3).unwrap();
        assert_eq!(asked.tests[0].entries.len(), 1);
    }
}
