//! The history in PostgreSQL, shared by every CI runner and server.
//!
//! [`PgStore`] implements the same [`HistoryStore`] and [`RunArchive`] as
//! [`SqliteStore`](crate::SqliteStore) and gives the same answers (one
//! scenario suite runs against both). Each run is recorded in one
//! transaction: a writer killed part way leaves no partial run, and many
//! writers at once (CI runners, several servers) each record theirs.
//!
//! The client is the synchronous `postgres` crate. Its calls may not be made
//! from inside an async runtime (the pipeline records history from async
//! code), so the connections live on worker threads of their own and each
//! call is a job sent to one of them; a broken connection is opened again
//! by the next job.
//!
//! Schema (version 1, in `failtale_schema`; migrations run under an advisory
//! lock, so servers starting together migrate once):
//!
//! - `runs(id, at_ms, recorded_ms, commit_sha, branch, ci_job, runner, sources, tests, summary)`
//! - `tests(id, key)`: test identities, interned
//! - `results(run_id, test_id, outcome, duration_us, attempts, fp_id)`, by
//!   run and by test
//! - `fingerprints(id, hash, first_seen_ms, first_commit, last_seen_ms, runs_seen)`
//! - `analysis_cache(fingerprint, settings, analysis, stored_ms)`
//! - `run_files(run_id, name, data)`, `uploads(key, claimed_ms, run_id, response)`
//!
//! Deleting a run deletes its results and files (foreign keys cascade);
//! test names and fingerprints stay, as in SQLite.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use failtale_core::history::{
    AnalysisKey, CommitOutcomes, FingerprintHistory, HistoryEntry, HistoryError, HistorySlice,
    HistoryStore, RunArchive, RunFile, RunId, RunInfo, RunQuery, RunRecord, RunSummary, StoredRun,
    TestHistory, UploadClaim,
};
use failtale_core::model::Analysis;
use postgres::{Client, NoTls};

use crate::{COMMIT_RUNS, FOLLOWUP_RUNS, FOLLOWUP_SAMPLE, LOOKBACK_RUNS, outcome_code, outcome_of};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Job = Box<dyn FnOnce(&mut Option<Client>) + Send>;

/// The schema version this release writes.
pub const PG_SCHEMA_VERSION: i32 = 1;

const MIGRATIONS: &[&str] = &["
CREATE TABLE runs (
    id          BIGSERIAL PRIMARY KEY,
    at_ms       BIGINT NOT NULL,
    recorded_ms BIGINT NOT NULL,
    commit_sha  TEXT,
    branch      TEXT,
    ci_job      TEXT,
    runner      TEXT,
    sources     TEXT NOT NULL,
    tests       BIGINT NOT NULL,
    summary     TEXT
);
CREATE INDEX runs_by_commit ON runs (commit_sha, id) WHERE commit_sha IS NOT NULL;
CREATE INDEX runs_by_branch ON runs (branch, id);
CREATE TABLE tests (
    id  BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
);
CREATE TABLE fingerprints (
    id            BIGSERIAL PRIMARY KEY,
    hash          TEXT NOT NULL UNIQUE,
    first_seen_ms BIGINT NOT NULL,
    first_commit  TEXT,
    last_seen_ms  BIGINT NOT NULL,
    runs_seen     BIGINT NOT NULL
);
CREATE TABLE results (
    run_id      BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    test_id     BIGINT NOT NULL,
    outcome     SMALLINT NOT NULL,
    duration_us BIGINT,
    attempts    INTEGER NOT NULL,
    fp_id       BIGINT,
    PRIMARY KEY (run_id, test_id)
);
CREATE INDEX results_by_test ON results (test_id, run_id);
CREATE INDEX results_by_fingerprint ON results (fp_id, run_id) WHERE fp_id IS NOT NULL;
CREATE TABLE analysis_cache (
    fingerprint TEXT NOT NULL,
    settings    TEXT NOT NULL,
    analysis    TEXT NOT NULL,
    stored_ms   BIGINT NOT NULL,
    PRIMARY KEY (fingerprint, settings)
);
CREATE TABLE run_files (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE uploads (
    key        TEXT PRIMARY KEY,
    claimed_ms BIGINT NOT NULL,
    run_id     BIGINT,
    response   TEXT
);
"];

/// A history store in a PostgreSQL database (see the [module documentation](self)).
pub struct PgStore {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// The URL, password included: only to open connections, never shown.
    url: String,
    location: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
        for w in self
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = w.join();
        }
    }
}

/// The URL without its password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or the
    /// key=value form) with `connections` connections, and brings the
    /// schema up to date.
    pub fn connect(url: &str, connections: usize) -> Result<Self, HistoryError> {
        let location = redacted(url);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..connections.max(1))
            .map(|n| {
                let rx = Arc::clone(&rx);
                std::thread::Builder::new()
                    .name(format!("failtale-pg-{n}"))
                    .spawn(move || {
                        let mut client: Option<Client> = None;
                        loop {
                            let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                            match job {
                                Ok(job) => job(&mut client),
                                Err(_) => break,
                            }
                        }
                    })
                    .map_err(|e| HistoryError::Backend {
                        location: location.clone(),
                        action: "start its connections",
                        source: Box::new(e),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let store = PgStore {
            jobs: Mutex::new(Some(tx)),
            workers: Mutex::new(workers),
            url: url.to_owned(),
            location,
        };
        store.with("migrate its schema", migrate)?;
        Ok(store)
    }

    /// Where the store is (the URL without its password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Runs `f` on one of the store's connections (opening it first if
    /// it is not open, or broke).
    fn with<T: Send + 'static>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Client) -> Result<T, BoxError> + Send + 'static,
    ) -> Result<T, HistoryError> {
        let url = self.url.clone();
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |slot: &mut Option<Client>| {
            let result = (|| -> Result<T, BoxError> {
                if slot.as_ref().is_none_or(Client::is_closed) {
                    *slot = Some(Client::connect(&url, NoTls)?);
                }
                let client = slot.as_mut().ok_or("no connection")?;
                f(client)
            })();
            if result.is_err() && slot.as_ref().is_some_and(Client::is_closed) {
                *slot = None;
            }
            let _ = reply.send(result);
        });
        let fail = |source: BoxError| HistoryError::Backend {
            location: self.location.clone(),
            action,
            source,
        };
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .ok_or_else(|| fail("the store is closed".into()))?
            .send(job)
            .map_err(|_| fail("the store's connections stopped".into()))?;
        answer
            .recv()
            .map_err(|_| fail("the store's connection stopped".into()))?
            .map_err(|e| match e.downcast::<TooNew>() {
                Ok(t) => HistoryError::TooNew {
                    location: self.location.clone(),
                    found: i64::from(t.0),
                    known: i64::from(PG_SCHEMA_VERSION),
                },
                Err(e) => fail(e),
            })
    }

    /// Every run as (id, the test count recorded with it, the results
    /// stored for it): the two counts differ only if a run was stored in part.
    pub fn results_per_run(&self) -> Result<Vec<(RunId, u64, u64)>, HistoryError> {
        self.with("count results", |c| {
            Ok(c.query(
                "SELECT ru.id, ru.tests, count(r.test_id) FROM runs ru
                 LEFT JOIN results r ON r.run_id = ru.id GROUP BY ru.id ORDER BY ru.id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get::<_, i64>(1).max(0) as u64,
                    r.get::<_, i64>(2).max(0) as u64,
                )
            })
            .collect())
        })
    }

    /// The database's size on disk, in bytes.
    pub fn database_bytes(&self) -> Result<u64, HistoryError> {
        self.with("measure its size", |c| {
            Ok(
                c.query_one("SELECT pg_database_size(current_database())", &[])?
                    .get::<_, i64>(0)
                    .max(0) as u64,
            )
        })
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i32, HistoryError> {
        self.with("read its schema version", |c| {
            Ok(c.query_one("SELECT version FROM failtale_schema", &[])?
                .get(0))
        })
    }
}

/// A database written by a newer failtale.
#[derive(Debug)]
struct TooNew(i32);

impl std::fmt::Display for TooNew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "schema version {} is newer than this release's", self.0)
    }
}

impl std::error::Error for TooNew {}

fn migrate(c: &mut Client) -> Result<(), BoxError> {
    let mut tx = c.transaction()?;
    // One migrator at a time, whichever process starts first.
    tx.execute("SELECT pg_advisory_xact_lock(7206001)", &[])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS failtale_schema (version INTEGER NOT NULL)")?;
    let found: Option<i32> = tx
        .query_opt("SELECT version FROM failtale_schema", &[])?
        .map(|r| r.get(0));
    let from = found.unwrap_or(0);
    if from > PG_SCHEMA_VERSION {
        return Err(Box::new(TooNew(from)));
    }
    for sql in MIGRATIONS.iter().skip(from as usize) {
        tx.batch_execute(sql)?;
    }
    if found.is_none() {
        tx.execute(
            "INSERT INTO failtale_schema (version) VALUES ($1)",
            &[&PG_SCHEMA_VERSION],
        )?;
    } else if from < PG_SCHEMA_VERSION {
        tx.execute(
            "UPDATE failtale_schema SET version = $1",
            &[&PG_SCHEMA_VERSION],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn record(tx: &mut postgres::Transaction<'_>, run: &RunRecord) -> Result<RunId, BoxError> {
    let sources = serde_json::to_string(&run.sources)?;
    let summary = serde_json::to_string(&RunSummary::of(&run.results))?;
    let tests = run.results.len() as i64;
    let id: i64 = tx
        .query_one(
            "INSERT INTO runs (at_ms, recorded_ms, commit_sha, branch, ci_job, runner, sources, tests, summary)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &run.at_ms,
                &run.recorded_ms,
                &run.commit,
                &run.branch,
                &run.ci_job,
                &run.runner,
                &sources,
                &tests,
                &summary,
            ],
        )?
        .get(0);
    // Names in one order, so two writers adding the same new tests take
    // their row locks in the same order (no deadlock).
    let mut keys: Vec<&str> = run.results.iter().map(|r| r.test.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    tx.execute(
        "INSERT INTO tests (key) SELECT k FROM unnest($1::text[]) AS k ON CONFLICT (key) DO NOTHING",
        &[&keys],
    )?;
    let ids: HashMap<String, i64> = tx
        .query(
            "SELECT t.key, t.id FROM unnest($1::text[]) AS k(key) JOIN tests t ON t.key = k.key",
            &[&keys],
        )?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut hashes: Vec<&str> = run
        .results
        .iter()
        .filter_map(|r| r.fingerprint.as_deref())
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let upsert = tx.prepare(
        "INSERT INTO fingerprints (hash, first_seen_ms, first_commit, last_seen_ms, runs_seen)
         VALUES ($1, $2, $3, $2, 1)
         ON CONFLICT (hash) DO UPDATE SET
            runs_seen = fingerprints.runs_seen + 1,
            last_seen_ms = GREATEST(fingerprints.last_seen_ms, EXCLUDED.last_seen_ms),
            first_commit = CASE WHEN EXCLUDED.first_seen_ms < fingerprints.first_seen_ms
                                THEN EXCLUDED.first_commit ELSE fingerprints.first_commit END,
            first_seen_ms = LEAST(fingerprints.first_seen_ms, EXCLUDED.first_seen_ms)
         RETURNING id",
    )?;
    let mut fp_ids: HashMap<&str, i64> = HashMap::new();
    for h in hashes {
        let fp: i64 = tx
            .query_one(&upsert, &[&h, &run.at_ms, &run.commit])?
            .get(0);
        fp_ids.insert(h, fp);
    }
    // One row per test: the first result of a name given twice.
    let mut seen: HashSet<i64> = HashSet::with_capacity(run.results.len());
    let (mut test_ids, mut outcomes, mut durations, mut attempts, mut fps) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in &run.results {
        let Some(&test) = ids.get(&r.test) else {
            continue;
        };
        if !seen.insert(test) {
            continue;
        }
        test_ids.push(test);
        outcomes.push(outcome_code(r.outcome) as i16);
        durations.push(r.duration_us.map(|d| d.min(i64::MAX as u64) as i64));
        attempts.push(r.attempts.min(i32::MAX as u32) as i32);
        fps.push(
            r.fingerprint
                .as_deref()
                .and_then(|h| fp_ids.get(h).copied()),
        );
    }
    tx.execute(
        "INSERT INTO results (run_id, test_id, outcome, duration_us, attempts, fp_id)
         SELECT $1, * FROM unnest($2::bigint[], $3::smallint[], $4::bigint[], $5::int[], $6::bigint[])",
        &[&id, &test_ids, &outcomes, &durations, &attempts, &fps],
    )?;
    crate::pause_for_tests();
    Ok(id)
}

fn entry(row: &postgres::Row, run_col: usize) -> HistoryEntry {
    HistoryEntry {
        run: row.get(run_col),
        outcome: outcome_of(i64::from(row.get::<_, i16>(run_col + 1))),
        duration_us: row
            .get::<_, Option<i64>>(run_col + 2)
            .map(|d| d.max(0) as u64),
        attempts: row.get::<_, i32>(run_col + 3).max(0) as u32,
    }
}

fn histories(
    c: &mut Client,
    tests: Option<Vec<String>>,
    window: usize,
) -> Result<HistorySlice, BoxError> {
    let window = window.max(1);
    // One snapshot while writers go on.
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let newest: Vec<i64> = tx
        .query(
            "SELECT id FROM runs ORDER BY id DESC LIMIT $1",
            &[&(LOOKBACK_RUNS.max(window) as i64)],
        )?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let mut slice = HistorySlice::default();
    // The oldest run looked at, and the oldest of the last `window` runs.
    let (Some(&lookback), Some(&recent)) = (
        newest.last(),
        newest.get(window.min(newest.len()).saturating_sub(1)),
    ) else {
        return Ok(slice);
    };
    // The tests asked for; with none named, every test with a result in
    // the last `window` runs. (Names are joined, not matched with `= ANY`:
    // a thousand names tried against every row was most of the time.)
    let names = match &tests {
        Some(keys) => tx.query(
            "SELECT t.id, t.key FROM (SELECT DISTINCT key FROM unnest($1::text[]) AS k(key)) k
             JOIN tests t ON t.key = k.key",
            &[keys],
        )?,
        None => tx.query(
            "SELECT t.id, t.key FROM tests t
             WHERE t.id IN (SELECT DISTINCT test_id FROM results WHERE run_id >= $1)",
            &[&recent],
        )?,
    };
    // With no tests named, every test with a result there is wanted: no
    // filter by id.
    let ids: Option<Vec<i64>> = tests
        .is_some()
        .then(|| names.iter().map(|r| r.get(0)).collect());
    // By test id (the order the whole table comes in).
    let mut by_id: BTreeMap<i64, TestHistory> = names
        .into_iter()
        .map(|r| {
            (
                r.get(0),
                TestHistory {
                    test: r.get(1),
                    entries: Vec::new(),
                },
            )
        })
        .collect();
    // Most tests ran in each of the last `window` runs: one range scan
    // reads those results.
    for row in tx.query(
        "SELECT test_id, run_id, outcome, duration_us, attempts FROM results
         WHERE run_id >= $1 AND ($2::bigint[] IS NULL OR test_id = ANY($2))",
        &[&recent, &ids],
    )? {
        if let Some(t) = by_id.get_mut(&row.get(0)) {
            t.entries.push(entry(&row, 1));
        }
    }
    // The others look further back, each for its own results.
    let short: Vec<i64> = by_id
        .iter()
        .filter(|(_, t)| t.entries.len() < window)
        .map(|(id, _)| *id)
        .collect();
    if !short.is_empty() && lookback < recent {
        for row in tx.query(
            "SELECT s.id, r.run_id, r.outcome, r.duration_us, r.attempts
             FROM unnest($1::bigint[]) AS s(id) CROSS JOIN LATERAL (
                 SELECT run_id, outcome, duration_us, attempts FROM results
                 WHERE test_id = s.id AND run_id >= $2 AND run_id < $3
                 ORDER BY run_id DESC LIMIT $4) r",
            &[&short, &lookback, &recent, &(window as i64)],
        )? {
            if let Some(t) = by_id.get_mut(&row.get(0)) {
                t.entries.push(entry(&row, 1));
            }
        }
    }
    let mut found: Vec<TestHistory> = by_id
        .into_values()
        .filter(|t| !t.entries.is_empty())
        .collect();
    for t in &mut found {
        // Newest first, as many as the window holds.
        t.entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.run));
        t.entries.truncate(window);
    }
    if let Some(keys) = &tests {
        // In the order asked.
        let mut at: HashMap<&str, usize> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            at.entry(k.as_str()).or_insert(i);
        }
        found.sort_by_key(|t| at.get(t.test.as_str()).copied().unwrap_or(usize::MAX));
    }
    let mut oldest: Option<RunId> = None;
    for t in &mut found {
        t.entries.reverse();
        if let Some(first) = t.entries.first() {
            oldest = Some(oldest.map_or(first.run, |o| o.min(first.run)));
        }
    }
    if let Some(oldest) = oldest {
        for r in tx.query(
            "SELECT id, at_ms, commit_sha, branch FROM runs WHERE id >= $1",
            &[&oldest],
        )? {
            let info = RunInfo {
                id: r.get(0),
                at_ms: r.get(1),
                commit: r.get(2),
                branch: r.get(3),
            };
            slice.runs.insert(info.id, info);
        }
    }
    slice.tests = found;
    tx.commit()?;
    Ok(slice)
}

fn fingerprint_histories(
    c: &mut Client,
    hashes: Vec<String>,
) -> Result<Vec<FingerprintHistory>, BoxError> {
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    // The runs in order, for "the runs after a failure".
    let runs: Vec<(i64, Option<String>)> = tx
        .query("SELECT id, commit_sha FROM runs ORDER BY id", &[])?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let commit_of: HashMap<i64, Option<String>> = runs.iter().cloned().collect();
    let mut out = Vec::new();
    for hash in hashes {
        let Some(fp) = tx.query_opt(
            "SELECT id, first_seen_ms, last_seen_ms, runs_seen, first_commit
             FROM fingerprints WHERE hash = $1",
            &[&hash],
        )?
        else {
            continue;
        };
        let fp_id: i64 = fp.get(0);
        let occurrences: Vec<(i64, i64, Option<String>)> = tx
            .query(
                "SELECT r.test_id, r.run_id, ru.commit_sha FROM results r
                 JOIN runs ru ON ru.id = r.run_id
                 WHERE r.fp_id = $1 ORDER BY r.run_id DESC, r.test_id LIMIT $2",
                &[&fp_id, &FOLLOWUP_SAMPLE],
            )?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        // Each occurrence's next recorded (not skipped) outcome within the
        // next FOLLOWUP_RUNS runs: one query for all of them.
        let (mut tests, mut after, mut until) = (Vec::new(), Vec::new(), Vec::new());
        for (test, run, _) in &occurrences {
            let from = runs.partition_point(|(id, _)| id <= run);
            let Some((last, _)) = runs[from..].iter().take(FOLLOWUP_RUNS).next_back() else {
                continue;
            };
            tests.push(*test);
            after.push(*run);
            until.push(*last);
        }
        let next: HashMap<(i64, i64), (i16, i64)> = tx
            .query(
                "SELECT o.test_id, o.after, n.outcome, n.run_id
                 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS o(test_id, after, until)
                 CROSS JOIN LATERAL (
                     SELECT outcome, run_id FROM results
                     WHERE test_id = o.test_id AND run_id > o.after AND run_id <= o.until
                       AND outcome <> 4
                     ORDER BY run_id LIMIT 1) n",
                &[&tests, &after, &until],
            )?
            .into_iter()
            .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
            .collect();
        let (mut followed, mut passed_same) = (0u64, 0u64);
        for (test, run, commit) in &occurrences {
            if let Some((outcome, next_run)) = next.get(&(*test, *run)) {
                followed += 1;
                let next_commit = commit_of.get(next_run).cloned().flatten();
                if *outcome <= 1 && commit.is_some() && *commit == next_commit {
                    passed_same += 1;
                }
            }
        }
        let mut h = FingerprintHistory {
            fingerprint: hash,
            first_seen_ms: fp.get(1),
            last_seen_ms: fp.get(2),
            runs_seen: fp.get::<_, i64>(3).max(0) as u64,
            first_commit: fp.get(4),
            ..FingerprintHistory::default()
        };
        h.followed = followed;
        h.followed_by_pass_same_commit = passed_same;
        out.push(h);
    }
    tx.commit()?;
    Ok(out)
}

impl HistoryStore for PgStore {
    fn record_run(&self, run: &RunRecord) -> Result<RunId, HistoryError> {
        Ok(self.record_runs(std::slice::from_ref(run))?[0])
    }

    fn record_runs(&self, runs: &[RunRecord]) -> Result<Vec<RunId>, HistoryError> {
        let runs = runs.to_vec();
        self.with("record a run", move |c| {
            let mut tx = c.transaction()?;
            let mut ids = Vec::with_capacity(runs.len());
            for run in &runs {
                ids.push(record(&mut tx, run)?);
            }
            tx.commit()?;
            Ok(ids)
        })
    }

    fn test_histories(
        &self,
        tests: Option<&[String]>,
        window: usize,
    ) -> Result<HistorySlice, HistoryError> {
        let tests = tests.map(<[String]>::to_vec);
        self.with("read test histories", move |c| histories(c, tests, window))
    }

    fn commit_outcomes(
        &self,
        commit: &str,
        tests: &[String],
        exclude_run: Option<RunId>,
    ) -> Result<HashMap<String, CommitOutcomes>, HistoryError> {
        let (commit, tests) = (commit.to_owned(), tests.to_vec());
        self.with("read results by commit", move |c| {
            let rows = c.query(
                "SELECT t.key, r.outcome
                 FROM (SELECT DISTINCT key FROM unnest($4::text[]) AS k(key)) k
                 JOIN tests t ON t.key = k.key
                 JOIN results r ON r.test_id = t.id
                 WHERE r.run_id IN (
                     SELECT id FROM runs WHERE commit_sha = $1 AND id <> $2
                     ORDER BY id DESC LIMIT $3)",
                &[
                    &commit,
                    &exclude_run.unwrap_or(-1),
                    &(COMMIT_RUNS as i64),
                    &tests,
                ],
            )?;
            let mut out: HashMap<String, CommitOutcomes> = HashMap::new();
            for r in rows {
                let o = out.entry(r.get(0)).or_default();
                match r.get::<_, i16>(1) {
                    0 | 1 => o.passed += 1,
                    2 | 3 => o.failed += 1,
                    _ => {}
                }
            }
            Ok(out)
        })
    }

    fn fingerprints(&self, hashes: &[String]) -> Result<Vec<FingerprintHistory>, HistoryError> {
        let hashes = hashes.to_vec();
        self.with("read fingerprints", move |c| {
            fingerprint_histories(c, hashes)
        })
    }

    fn prune(&self, keep_per_branch: usize) -> Result<usize, HistoryError> {
        let keep = keep_per_branch.min(i64::MAX as usize) as i64;
        self.with("prune old runs", move |c| {
            Ok(c.execute(
                "DELETE FROM runs WHERE id IN (
                     SELECT id FROM (
                         SELECT id, row_number() OVER (PARTITION BY branch ORDER BY id DESC) AS n
                         FROM runs) ranked
                     WHERE n > $1)",
                &[&keep],
            )? as usize)
        })
    }

    fn prune_before(&self, before_ms: i64) -> Result<usize, HistoryError> {
        self.with("prune runs by age", move |c| {
            Ok(c.execute("DELETE FROM runs WHERE at_ms < $1", &[&before_ms])? as usize)
        })
    }

    fn run_count(&self) -> Result<u64, HistoryError> {
        self.with("count runs", |c| {
            Ok(c.query_one("SELECT count(*) FROM runs", &[])?
                .get::<_, i64>(0)
                .max(0) as u64)
        })
    }

    fn cached_analysis(&self, key: &AnalysisKey) -> Result<Option<Analysis>, HistoryError> {
        let key = key.clone();
        let text: Option<String> = self.with("read the analysis cache", move |c| {
            Ok(c.query_opt(
                "SELECT analysis FROM analysis_cache WHERE fingerprint = $1 AND settings = $2",
                &[&key.fingerprint, &key.settings],
            )?
            .map(|r| r.get(0)))
        })?;
        // An entry this release cannot read is a cache miss, not an error.
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    fn cache_analysis(&self, key: &AnalysisKey, analysis: &Analysis) -> Result<(), HistoryError> {
        let text = serde_json::to_string(analysis).map_err(|e| HistoryError::Backend {
            location: self.location.clone(),
            action: "serialise an analysis",
            source: Box::new(e),
        })?;
        let key = key.clone();
        let now = failtale_core::history::time::now_ms();
        self.with("write the analysis cache", move |c| {
            c.execute(
                "INSERT INTO analysis_cache (fingerprint, settings, analysis, stored_ms)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (fingerprint, settings) DO UPDATE SET
                    analysis = EXCLUDED.analysis, stored_ms = EXCLUDED.stored_ms",
                &[&key.fingerprint, &key.settings, &text, &now],
            )?;
            Ok(())
        })
    }
}

impl RunArchive for PgStore {
    fn list_runs(&self, query: &RunQuery) -> Result<(Vec<StoredRun>, u64), HistoryError> {
        let branch = query.branch.clone();
        let limit = query.limit.min(i64::MAX as usize) as i64;
        self.with("list runs", move |c| {
            let total: i64 = c
                .query_one(
                    "SELECT count(*) FROM runs WHERE $1::text IS NULL OR branch = $1",
                    &[&branch],
                )?
                .get(0);
            let runs = c
                .query(
                    "SELECT id, at_ms, recorded_ms, commit_sha, branch, ci_job, runner, summary, tests
                     FROM runs WHERE $1::text IS NULL OR branch = $1 ORDER BY id DESC LIMIT $2",
                    &[&branch, &limit],
                )?
                .into_iter()
                .map(|r| {
                    let mut run = StoredRun::default();
                    run.id = r.get(0);
                    run.at_ms = r.get(1);
                    run.recorded_ms = r.get(2);
                    run.commit = r.get(3);
                    run.branch = r.get(4);
                    run.ci_job = r.get(5);
                    run.runner = r.get(6);
                    run.summary = crate::stored_summary(
                        r.get::<_, Option<&str>>(7),
                        r.get::<_, i64>(8),
                    );
                    run
                })
                .collect();
            Ok((runs, total.max(0) as u64))
        })
    }

    fn archive_run(
        &self,
        run: RunId,
        files: &[RunFile],
        upload: Option<(&str, &str)>,
    ) -> Result<(), HistoryError> {
        let files = files.to_vec();
        let upload = upload.map(|(k, r)| (k.to_owned(), r.to_owned()));
        self.with("keep a run's outputs", move |c| {
            let mut tx = c.transaction()?;
            for f in &files {
                tx.execute(
                    "INSERT INTO run_files (run_id, name, data) VALUES ($1, $2, $3)
                     ON CONFLICT (run_id, name) DO UPDATE SET data = EXCLUDED.data",
                    &[&run, &f.name, &f.data],
                )?;
            }
            if let Some((key, response)) = &upload {
                tx.execute(
                    "INSERT INTO uploads (key, claimed_ms, run_id, response) VALUES ($1, 0, $2, $3)
                     ON CONFLICT (key) DO UPDATE SET run_id = EXCLUDED.run_id, response = EXCLUDED.response",
                    &[key, &run, response],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn run_file(&self, run: RunId, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
        let name = name.to_owned();
        self.with("read a run's output", move |c| {
            Ok(c.query_opt(
                "SELECT data FROM run_files WHERE run_id = $1 AND name = $2",
                &[&run, &name],
            )?
            .map(|r| r.get(0)))
        })
    }

    fn claim_upload(
        &self,
        key: &str,
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Result<UploadClaim, HistoryError> {
        let key = key.to_owned();
        self.with("claim an upload", move |c| {
            let mut tx = c.transaction()?;
            let inserted = tx.execute(
                "INSERT INTO uploads (key, claimed_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &now_ms],
            )?;
            if inserted == 1 {
                tx.commit()?;
                return Ok(UploadClaim::Claimed);
            }
            let row = tx.query_one(
                "SELECT claimed_ms, run_id, response FROM uploads WHERE key = $1 FOR UPDATE",
                &[&key],
            )?;
            let claimed: i64 = row.get(0);
            let claim = match (row.get::<_, Option<i64>>(1), row.get::<_, Option<String>>(2)) {
                (Some(run), Some(response)) => UploadClaim::Done { run, response },
                _ if now_ms.saturating_sub(claimed) < stale_after_ms => UploadClaim::InProgress,
                _ => {
                    tx.execute(
                        "UPDATE uploads SET claimed_ms = $2, run_id = NULL, response = NULL WHERE key = $1",
                        &[&key, &now_ms],
                    )?;
                    UploadClaim::Claimed
                }
            };
            tx.commit()?;
            Ok(claim)
        })
    }

    fn release_upload(&self, key: &str) -> Result<(), HistoryError> {
        let key = key.to_owned();
        self.with("release an upload", move |c| {
            c.execute(
                "DELETE FROM uploads WHERE key = $1 AND response IS NULL",
                &[&key],
            )?;
            Ok(())
        })
    }
}

/// A throwaway database, created on a server from an admin URL and
/// dropped when this is dropped: for tests and benchmarks that need a
/// PostgreSQL history of their own. Create and drop it outside an async
/// runtime's threads (it uses the synchronous client directly).
#[derive(Debug)]
pub struct ScratchDatabase {
    admin: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates a database named after `prefix`, this process and a counter
    /// on the server `admin_url` names (its user must be allowed to create
    /// databases).
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self, BoxError> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("{name:?} is not a plain database name").into());
        }
        let mut admin = Client::connect(admin_url, NoTls)?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let (base, query) = admin_url
            .split_once('?')
            .map_or((admin_url, ""), |(b, q)| (b, q));
        let base = base
            .rfind('/')
            .filter(|&i| i > base.find("://").map_or(0, |s| s + 2))
            .map_or(base, |i| &base[..i]);
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        Ok(ScratchDatabase {
            admin: admin_url.to_owned(),
            name,
            url,
        })
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_in_the_location() {
        assert_eq!(
            redacted("postgres://ci:s3cret@db.example:5432/failtale"),
            "postgres://ci:***@db.example:5432/failtale"
        );
        assert_eq!(
            redacted("postgres://ci@db/failtale"),
            "postgres://ci@db/failtale"
        );
        assert!(is_postgres_url("postgresql://x/y") && !is_postgres_url("history.db"));
    }
}
