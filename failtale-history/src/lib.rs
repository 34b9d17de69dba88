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
//! - The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] are
//!   applied in order, inside one transaction, when a store is opened.
//!
//! # Schema (version 1)
//!
//! - `runs(id, at_ms, recorded_ms, commit_sha, branch, ci_job, sources, tests)`
//! - `tests(id, key)` — test identities, interned
//! - `results(run_id, test_id, outcome, duration_us, attempts, fp_id)` — one
//!   row per test per run, clustered by run so recording appends and the
//!   last N runs are one range read; a covering index by test answers
//!   "the last N results of this test" for tests missing from recent runs
//! - `fingerprints(id, hash, first_seen_ms, first_commit, last_seen_ms, runs_seen)`
//!   — kept when old runs are pruned, so "seen before" outlives retention
//! - `analysis_cache(fingerprint, settings, analysis, stored_ms)`
//!
//! MSRV: Rust 1.88.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use failtale_core::history::{
    AnalysisKey, CommitOutcomes, FingerprintHistory, HistoryEntry, HistoryError, HistorySlice,
    HistoryStore, RunId, RunInfo, RunRecord, TestHistory,
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
];

/// How many earlier failures of a fingerprint are examined for what followed them.
const FOLLOWUP_SAMPLE: i64 = 500;

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
}

impl SqliteStore {
    /// Deletes the runs `select` (one `?1` parameter) names, their results,
    /// and the tests no run holds any more, in one transaction.
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
            let mut results = tx
                .prepare_cached("DELETE FROM results WHERE run_id = ?1")
                .map_err(&fail)?;
            let mut runs = tx
                .prepare_cached("DELETE FROM runs WHERE id = ?1")
                .map_err(&fail)?;
            for id in &doomed {
                results.execute([id]).map_err(&fail)?;
                runs.execute([id]).map_err(&fail)?;
            }
            drop((results, runs));
            tx.execute(
                "DELETE FROM tests WHERE NOT EXISTS (SELECT 1 FROM results WHERE results.test_id = tests.id)",
                [],
            )
            .map_err(&fail)?;
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
        Self::setup(conn, location, true)
    }

    /// A store in memory, for tests and one-off use.
    pub fn open_in_memory() -> Result<Self, HistoryError> {
        let location = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(backend(&location, "open"))?;
        Self::setup(conn, location, false)
    }

    fn setup(mut conn: Connection, location: String, wal: bool) -> Result<Self, HistoryError> {
        let fail = backend(&location, "open");
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&fail)?;
        // Recording one run touches a page of the by-test index for each
        // test: a page cache that holds the working set (64 MiB) and
        // memory-mapped reads keep that cheap.
        conn.pragma_update(None, "cache_size", -65_536)
            .map_err(&fail)?;
        conn.pragma_update(None, "mmap_size", 268_435_456_i64)
            .map_err(&fail)?;
        if wal {
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
        }
        migrate(&mut conn, &location)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            location,
        })
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

    /// Number of results stored (all runs).
    pub fn result_count(&self) -> Result<u64, HistoryError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM results", [], |r| r.get(0))
            .map_err(self.err("count results"))
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
    for sql in &MIGRATIONS[version.max(0) as usize..] {
        tx.execute_batch(sql).map_err(&fail)?;
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

fn insert_run(tx: &rusqlite::Transaction<'_>, run: &RunRecord) -> rusqlite::Result<RunId> {
    let sources = serde_json::to_string(&run.sources).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO runs (at_ms, recorded_ms, commit_sha, branch, ci_job, sources, tests)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            run.at_ms,
            run.recorded_ms,
            run.commit,
            run.branch,
            run.ci_job,
            sources,
            run.results.len() as i64
        ],
    )?;
    let run_id = tx.last_insert_rowid();
    let mut find_test = tx.prepare_cached("SELECT id FROM tests WHERE key = ?1")?;
    let mut add_test = tx.prepare_cached("INSERT INTO tests (key) VALUES (?1)")?;
    let mut add_result = tx.prepare_cached(
        "INSERT OR IGNORE INTO results (run_id, test_id, outcome, duration_us, attempts, fp_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
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
    for r in &run.results {
        let test_id: i64 = match find_test
            .query_row([&r.test], |row| row.get(0))
            .optional()?
        {
            Some(id) => id,
            None => {
                add_test.execute([&r.test])?;
                tx.last_insert_rowid()
            }
        };
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
        rows.push((test_id, r, fp_id));
    }
    // In key order, so the run's rows are appended rather than scattered.
    rows.sort_unstable_by_key(|(id, _, _)| *id);
    let half = rows.len() / 2;
    for (i, (test_id, r, fp_id)) in rows.into_iter().enumerate() {
        if i == half && i > 0 {
            pause_for_tests();
        }
        add_result.execute(params![
            run_id,
            test_id,
            outcome_code(r.outcome),
            r.duration_us.map(|d| d.min(i64::MAX as u64) as i64),
            i64::from(r.attempts),
            fp_id
        ])?;
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
        Ok(ids)
    }

    fn test_histories(
        &self,
        tests: Option<&[String]>,
        window: usize,
    ) -> Result<HistorySlice, HistoryError> {
        let fail = self.err("read test histories");
        let mut conn = self.lock();
        // One read transaction: a consistent snapshot while writers go on.
        let tx = conn.transaction().map_err(&fail)?;
        let mut slice = HistorySlice::default();
        let mut referenced: HashSet<RunId> = HashSet::new();
        let row_entry = |r: &rusqlite::Row<'_>| -> rusqlite::Result<HistoryEntry> {
            Ok(HistoryEntry {
                run: r.get(0)?,
                outcome: outcome_of(r.get(1)?),
                duration_us: r.get::<_, Option<i64>>(2)?.map(|d| d.max(0) as u64),
                attempts: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
            })
        };
        let mut by_test = tx
            .prepare_cached(
                "SELECT run_id, outcome, duration_us, attempts FROM results
                 WHERE test_id = ?1 ORDER BY run_id DESC LIMIT ?2",
            )
            .map_err(&fail)?;
        let mut last_of = |id: i64| -> rusqlite::Result<Vec<HistoryEntry>> {
            let mut entries: Vec<HistoryEntry> = by_test
                .query_map(params![id, window as i64], row_entry)?
                .collect::<Result<_, _>>()?;
            entries.reverse();
            Ok(entries)
        };
        let mut found: Vec<(String, Vec<HistoryEntry>)> = Vec::new();
        match tests {
            Some(keys) => {
                let mut find = tx
                    .prepare_cached("SELECT id FROM tests WHERE key = ?1")
                    .map_err(&fail)?;
                for k in keys {
                    if let Some(id) = find
                        .query_row([k], |r| r.get::<_, i64>(0))
                        .optional()
                        .map_err(&fail)?
                    {
                        found.push((k.clone(), last_of(id).map_err(&fail)?));
                    }
                }
            }
            None => {
                // One range read of the last `window` runs covers every test
                // that ran in each of them; only the others need a query of their own.
                let floor: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?1",
                        [window.saturating_sub(1) as i64],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(&fail)?;
                let older_exist = match floor {
                    Some(f) => tx
                        .query_row(
                            "SELECT EXISTS (SELECT 1 FROM runs WHERE id < ?1)",
                            [f],
                            |r| r.get::<_, bool>(0),
                        )
                        .map_err(&fail)?,
                    None => false,
                };
                let mut recent: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
                {
                    let mut scan = tx
                        .prepare(
                            "SELECT run_id, outcome, duration_us, attempts, test_id FROM results
                             WHERE run_id >= ?1 ORDER BY run_id",
                        )
                        .map_err(&fail)?;
                    let mut rows = scan.query([floor.unwrap_or(i64::MIN)]).map_err(&fail)?;
                    while let Some(r) = rows.next().map_err(&fail)? {
                        let test: i64 = r.get(4).map_err(&fail)?;
                        recent
                            .entry(test)
                            .or_default()
                            .push(row_entry(r).map_err(&fail)?);
                    }
                }
                let mut all = tx
                    .prepare("SELECT id, key FROM tests ORDER BY id")
                    .map_err(&fail)?;
                let mut rows = all.query([]).map_err(&fail)?;
                while let Some(r) = rows.next().map_err(&fail)? {
                    let id: i64 = r.get(0).map_err(&fail)?;
                    let key: String = r.get(1).map_err(&fail)?;
                    let entries = match recent.remove(&id) {
                        Some(e) if e.len() >= window || !older_exist => e,
                        _ if older_exist => last_of(id).map_err(&fail)?,
                        _ => Vec::new(),
                    };
                    found.push((key, entries));
                }
            }
        }
        drop(by_test);
        for (test, entries) in found {
            if entries.is_empty() {
                continue;
            }
            referenced.extend(entries.iter().map(|e| e.run));
            slice.tests.push(TestHistory { test, entries });
        }
        if let Some(&oldest) = referenced.iter().min() {
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
                if referenced.contains(&info.id) {
                    slice.runs.insert(info.id, info);
                }
            }
        }
        drop(tx);
        Ok(slice)
    }

    fn commit_outcomes(
        &self,
        commit: &str,
        tests: &[String],
        exclude_run: Option<RunId>,
    ) -> Result<HashMap<String, CommitOutcomes>, HistoryError> {
        let fail = self.err("read results by commit");
        let wanted: HashSet<&str> = tests.iter().map(String::as_str).collect();
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT t.key, SUM(r.outcome IN (0, 1)), SUM(r.outcome IN (2, 3))
                 FROM runs ru
                 JOIN results r ON r.run_id = ru.id
                 JOIN tests t ON t.id = r.test_id
                 WHERE ru.commit_sha = ?1 AND ru.id != ?2
                 GROUP BY r.test_id",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map(params![commit, exclude_run.unwrap_or(-1)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(&fail)?;
        let mut out = HashMap::new();
        for row in rows {
            let (key, passed, failed) = row.map_err(&fail)?;
            if wanted.contains(key.as_str()) {
                out.insert(
                    key,
                    CommitOutcomes {
                        passed: passed as usize,
                        failed: failed as usize,
                    },
                );
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
                    "SELECT r.test_id, r.run_id, ru.commit_sha
                     FROM results r JOIN runs ru ON ru.id = r.run_id
                     WHERE r.fp_id = ?1 ORDER BY r.run_id DESC LIMIT ?2",
                )
                .map_err(&fail)?;
            let mut next = tx
                .prepare_cached(
                    "SELECT r.outcome, ru.commit_sha
                     FROM results r JOIN runs ru ON ru.id = r.run_id
                     WHERE r.test_id = ?1 AND r.run_id > ?2 AND r.outcome != 4
                     ORDER BY r.run_id LIMIT 1",
                )
                .map_err(&fail)?;
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
                let (mut followed, mut passed_same) = (0u64, 0u64);
                for (test_id, run_id, commit) in occ {
                    let after = next
                        .query_row(params![test_id, run_id], |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
                        })
                        .optional()
                        .map_err(&fail)?;
                    if let Some((outcome, next_commit)) = after {
                        followed += 1;
                        if outcome <= 1 && commit.is_some() && commit == next_commit {
                            passed_same += 1;
                        }
                    }
                }
                out.push(FingerprintHistory {
                    fingerprint: hash.clone(),
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
