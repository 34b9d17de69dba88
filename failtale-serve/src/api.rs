//! The routes, their handlers, and the OpenAPI document generated from them.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Query, Request, State};
use axum::http::header::{CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use failtale_core::history::stability::{StabilityOptions, TestStability, Verdict, assess_all};
use failtale_core::history::time::{format_ms, now_ms};
use failtale_core::history::{RunFile, RunQuery, UploadClaim};
use failtale_core::input::Input;
use failtale_core::model::{
    Attempt, Failure, FailureKind, InputStatus, Property, TestCase, TestId, TestRun, VcsInfo,
};
use failtale_core::output::ReportJson;
use failtale_core::sanitize::Redactions;
use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::{State as Shared, upload};

/// The files kept with each run, and their media types.
const FILES: [(&str, &str); 4] = [
    ("report.json", "application/json"),
    ("report.html", "text/html; charset=utf-8"),
    ("junit.xml", "application/xml"),
    ("summary.md", "text/markdown; charset=utf-8"),
];

/// The OpenAPI document of the server, generated from its handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "failtale",
        description = "Failed test runs in, root causes out: uploads of JUnit XML or libtest JSON, the failure hook of test harnesses, stability and reports shared by many CI runners.",
    ),
    paths(
        upload_run,
        list_runs,
        run_file,
        analyze_failure,
        flaky,
        test_history,
        healthz,
        metrics,
        openapi
    ),
    components(schemas(
        ErrorBody,
        UploadAnswer,
        RunSummaryBody,
        ClusterBody,
        InputBody,
        Links,
        RunList,
        RunEntry,
        AnalyzeRequest,
        AnalyzeAnswer,
        EvidenceBody,
        StabilityBody,
        FlakyAnswer,
        TestAnswer,
        EntryBody
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub(crate) fn router(state: Arc<Shared>) -> axum::Router {
    let limit = state.options.body_limit;
    let protected = axum::Router::new()
        .route("/v1/runs", post(upload_run).get(list_runs))
        .route("/v1/runs/{id}/{file}", get(run_file))
        .route("/v1/analyze", post(analyze_failure))
        .route("/v1/flaky", get(flaky))
        .route("/v1/tests/{id}", get(test_history))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::auth::require_token,
        ));
    axum::Router::new()
        .merge(protected)
        .route("/healthz", get(healthz))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            observe,
        ))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Times, counts and logs every request; bounds it by the request timeout;
/// turns a panic into a 500 that says nothing of its cause.
async fn observe(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let timeout = state.options.request_timeout;
    let run = std::panic::AssertUnwindSafe(next.run(request)).catch_unwind();
    let response = match tokio::time::timeout(timeout, run).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            tracing::error!(%route, "a request handler panicked");
            ApiError::internal("the server failed on this request; it was logged").into_response()
        }
        Err(_) => {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the request took longer than the server's timeout of {} s; an upload may still be recorded: retry it with the same Idempotency-Key",
                    timeout.as_secs()
                ),
            )
            .into_response();
            e.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(5));
            e
        }
    };
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.request(&route, status, took);
    tracing::info!(
        %method,
        %route,
        status,
        ms = took.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; the API is described at /openapi.json")
}

// ---------------------------------------------------------------- uploads

/// Where an upload came from; every value is stored with the run.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The commit tested.
    commit: Option<String>,
    /// Its branch.
    branch: Option<String>,
    /// The CI job.
    job: Option<String>,
    /// The runner within the job (a matrix or shard dimension).
    runner: Option<String>,
    /// The file's name in the report, for a single-file body (default `upload`).
    name: Option<String>,
}

/// The answer to an upload.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct UploadAnswer {
    /// The run's id in the history.
    run_id: i64,
    /// Its tests by outcome.
    summary: RunSummaryBody,
    /// Its root causes, largest first.
    clusters: Vec<ClusterBody>,
    /// Each file read, with what went wrong reading it.
    inputs: Vec<InputBody>,
    /// The run's outputs.
    links: Links,
}

/// Tests by outcome, and root causes.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct RunSummaryBody {
    tests: u64,
    passed: u64,
    failed: u64,
    errors: u64,
    skipped: u64,
    flaky: u64,
    root_causes: u64,
}

impl From<&failtale_core::history::RunSummary> for RunSummaryBody {
    fn from(s: &failtale_core::history::RunSummary) -> Self {
        RunSummaryBody {
            tests: s.tests,
            passed: s.passed,
            failed: s.failed,
            errors: s.errors,
            skipped: s.skipped,
            flaky: s.flaky,
            root_causes: s.root_causes,
        }
    }
}

/// One root cause of a run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct ClusterBody {
    /// Its id in report.json.
    id: String,
    /// Its fingerprint, stable across runs.
    fingerprint: String,
    /// The failure as people read it.
    headline: Option<String>,
    /// How many tests failed with it.
    tests: usize,
    /// Category of the analysis.
    category: Option<String>,
    /// The analysis' root cause.
    root_cause: Option<String>,
    /// The analysis' fix.
    fix: Option<String>,
}

/// One file read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct InputBody {
    name: String,
    /// `junit` or `libtest`, when recognised.
    format: Option<String>,
    tests: usize,
    /// Why it could not be read (line, column, element), if it could not.
    error: Option<String>,
}

/// Where a run's outputs are.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Links {
    report_json: String,
    report_html: String,
    junit_xml: String,
    summary_md: String,
}

impl Links {
    fn of(run: i64) -> Self {
        Links {
            report_json: format!("/v1/runs/{run}/report.json"),
            report_html: format!("/v1/runs/{run}/report.html"),
            junit_xml: format!("/v1/runs/{run}/junit.xml"),
            summary_md: format!("/v1/runs/{run}/summary.md"),
        }
    }
}

/// Upload result files: runs the whole pipeline and records the run.
#[utoipa::path(
    post,
    path = "/v1/runs",
    params(UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "A retried upload with the same key gets the first answer instead of being recorded twice")),
    request_body(
        description = "One result file (JUnit XML or libtest JSON; `Content-Encoding: gzip` accepted), or several as multipart/form-data",
        content(
            (String = "application/xml"),
            (String = "application/json"),
            (String = "application/octet-stream"),
            (String = "multipart/form-data")
        )
    ),
    responses(
        (status = 201, description = "Recorded", body = UploadAnswer),
        (status = 200, description = "An earlier upload with this Idempotency-Key: its answer", body = UploadAnswer),
        (status = 400, description = "Not a result file (the reader's message: file, line, column, element)", body = ErrorBody),
        (status = 401, description = "No bearer token", body = ErrorBody),
        (status = 403, description = "Token not accepted", body = ErrorBody),
        (status = 409, description = "An upload with this Idempotency-Key is being processed", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
        (status = 415, description = "Not a result file's content type or encoding", body = ErrorBody),
        (status = 503, description = "Busy, or the store is unavailable; see Retry-After", body = ErrorBody)
    )
)]
pub(crate) async fn upload_run(
    State(state): State<Arc<Shared>>,
    query: Result<Query<UploadQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = state.options.body_limit;
    let data = upload::body_bytes(body, limit).await?;
    let data = upload::decode(&headers, data, limit)?;
    let name = query.name.clone().unwrap_or_else(|| "upload".to_owned());
    let inputs = upload::inputs(&headers, data, &name, limit).await?;
    let key = idempotency_key(&headers)?;
    let taken = match &key {
        Some(k) => {
            let (state, k) = (Arc::clone(&state), k.clone());
            Some(blocking(move || Claim::take(&state, &k)).await??)
        }
        None => None,
    };
    let claim = match taken {
        Some(Taken::Replay(answer)) => {
            let mut r = (StatusCode::OK, json_body(answer)).into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(r);
        }
        Some(Taken::Claim(c)) => Some(c),
        None => None,
    };
    let permit = pipeline_slot(&state).await?;
    let worker = Arc::clone(&state);
    // The key's claim goes with the pipeline, not with this request: if the
    // request times out, the key stays claimed until the run is recorded
    // (or fails), so a retry gets its answer instead of recording it again.
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let result = record_upload(&worker, &inputs, query, key.as_deref());
        match (&result, claim) {
            (Ok(_), Some(c)) => c.done(),
            (Err(_), Some(c)) => c.release(),
            (_, None) => {}
        }
        result
    })
    .await
    .unwrap_or_else(|_| {
        tracing::error!("an upload's pipeline panicked");
        Err(ApiError::internal(
            "the server failed on this upload; nothing was recorded",
        ))
    });
    result.map(|answer| (StatusCode::CREATED, json_body(answer)).into_response())
}

fn json_body(text: String) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], text)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let ok = v
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
    ok.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::bad_request(
            "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)",
        )
    })
}

enum Taken {
    Replay(String),
    Claim(Claim),
}

/// An idempotency key held by this request: in this process (so two
/// requests here never race) and in the store (so other servers see it).
struct Claim {
    state: Arc<Shared>,
    key: String,
    settled: bool,
}

impl Claim {
    fn take(state: &Arc<Shared>, key: &str) -> Result<Taken, ApiError> {
        let busy = || {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                "an upload with this Idempotency-Key is being processed; retry after it finishes to get its answer",
            );
            e = e.with_retry_after(1);
            e
        };
        if !state
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned())
        {
            return Err(busy());
        }
        // Settled until the store gives this request the key: dropping it
        // then releases only this process's hold, never a claim another
        // request (or server) holds in the store.
        let mut claim = Claim {
            state: Arc::clone(state),
            key: key.to_owned(),
            settled: true,
        };
        let stale = i64::try_from(state.options.stale_upload.as_millis()).unwrap_or(i64::MAX);
        match state.store.claim_upload(key, now_ms(), stale) {
            Ok(UploadClaim::Claimed) => {
                claim.settled = false;
                Ok(Taken::Claim(claim))
            }
            Ok(UploadClaim::InProgress) => Err(busy()),
            Ok(UploadClaim::Done { response, .. }) => Ok(Taken::Replay(response)),
            Err(e) => {
                state.metrics.store_error("claim an upload");
                Err(store_unavailable(state, &e))
            }
        }
    }

    /// The upload was recorded (its answer stored with the key).
    fn done(mut self) {
        self.settled = true;
    }

    /// The upload failed: another may take the key.
    fn release(mut self) {
        if let Err(e) = self.state.store.release_upload(&self.key) {
            self.state.metrics.store_error("release an upload");
            tracing::warn!(error = %sanitize(&self.state, &e.to_string()), "cannot release an upload's key");
        }
        self.settled = true;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.settled {
            let _ = self.state.store.release_upload(&self.key);
        }
        self.state
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

/// Waits for a free pipeline, at most `queue_wait`.
async fn pipeline_slot(state: &Arc<Shared>) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let wait = state.options.queue_wait;
    let slots = Arc::clone(&state.slots);
    match tokio::time::timeout(wait, slots.acquire_owned()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(ApiError::busy(wait.as_secs().clamp(1, 60))),
    }
}

fn sanitize(state: &Shared, text: &str) -> String {
    state
        .pipeline
        .sanitize_text(text, &mut Redactions::new())
        .into_inner()
}

fn store_unavailable(state: &Shared, e: &failtale_core::history::HistoryError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the history store is unavailable ({}); nothing was recorded, retry later",
            sanitize(state, &failtale_core::error::error_chain(e))
        ),
    )
    .with_retry_after(5)
}

/// Runs the pipeline on an upload (on a blocking thread), records the run
/// and keeps its outputs; returns the answer, as stored with its key.
fn record_upload(
    state: &Shared,
    inputs: &[Input],
    query: UploadQuery,
    key: Option<&str>,
) -> Result<String, ApiError> {
    let handle = tokio::runtime::Handle::current();
    let pipeline = &state.pipeline;
    let started = Instant::now();
    let mut ingested = pipeline.ingest(inputs);
    state.metrics.stage("read", started.elapsed());
    if ingested.run.inputs.iter().all(|i| i.error.is_some()) {
        let why: Vec<String> = ingested
            .run
            .inputs
            .iter()
            .map(|i| {
                format!(
                    "{}: {}",
                    i.path,
                    i.error.as_deref().unwrap_or("not a result file")
                )
            })
            .collect();
        return Err(ApiError::bad_request(sanitize(
            state,
            &format!(
                "no test results could be read: {}; send JUnit XML or libtest JSON",
                why.join("; ")
            ),
        )));
    }
    let mut vcs = VcsInfo::default();
    vcs.commit = query.commit;
    vcs.branch = query.branch;
    vcs.ci_job = query.job;
    vcs.runner = query.runner;
    ingested.run.vcs = Some(vcs);
    let scratch = match &state.options.scratch {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .map_err(|e| ApiError::internal(format!("cannot make a scratch directory: {e}")))?;
    let dir = scratch.path();
    let templates = state.options.templates.as_deref();
    let mut json = ReportJson::in_dir(dir);
    let mut html = report_templates::HtmlReport::in_dir(dir, templates);
    let mut markdown = report_templates::MarkdownSummary::in_dir(dir, templates);
    let mut junit = junit_ingest::EnrichedJunit::in_dir(dir);
    let finish = handle.block_on(pipeline.process_to(
        ingested,
        &mut [&mut json, &mut html, &mut markdown, &mut junit],
    ));
    for (stage, took) in &finish.timings.stages {
        state.metrics.stage(stage, *took);
    }
    if let Some(e) = &finish.history_error {
        state.metrics.store_error("record a run");
        return Err(store_unavailable(state, e));
    }
    for (output, e) in &finish.failed {
        tracing::warn!(%output, error = %sanitize(state, &e.to_string()), "an output failed");
    }
    let report = finish.report.get();
    let Some(history) = &report.history else {
        return Err(ApiError::internal("the run was not recorded"));
    };
    let run_id = history.run_id;
    state.metrics.run_recorded();
    for c in &report.clusters {
        match (&c.analysis, &c.analysis_error) {
            (Some(a), _) => state.metrics.analysis(&a.analyzer, true),
            (None, Some(_)) => state.metrics.analysis("failed", false),
            (None, None) => {}
        }
    }
    let files: Vec<RunFile> = FILES
        .iter()
        .filter_map(|(name, _)| {
            std::fs::read(dir.join(name)).ok().map(|data| RunFile {
                name: (*name).to_owned(),
                data,
            })
        })
        .collect();
    let s = &report.summary;
    let answer = UploadAnswer {
        run_id,
        summary: RunSummaryBody {
            tests: s.tests as u64,
            passed: s.passed as u64,
            failed: s.failed as u64,
            errors: s.errors as u64,
            skipped: s.skipped as u64,
            flaky: s.flaky as u64,
            root_causes: report.clusters.len() as u64,
        },
        clusters: report
            .clusters
            .iter()
            .map(|c| ClusterBody {
                id: c.id.clone(),
                fingerprint: c.fingerprint.clone(),
                headline: c.failure_headline(report),
                tests: c.tests.len(),
                category: c
                    .analysis
                    .as_ref()
                    .and_then(|a| serde_json::to_value(a.category).ok())
                    .and_then(|v| v.as_str().map(str::to_owned)),
                root_cause: c.analysis.as_ref().map(|a| a.root_cause.clone()),
                fix: c.analysis.as_ref().map(|a| a.fix_suggestion.clone()),
            })
            .collect(),
        inputs: report
            .inputs
            .iter()
            .map(|i| InputBody {
                name: i.path.clone(),
                format: i.format.map(|f| f.as_str().to_owned()),
                tests: i.tests,
                error: i.error.clone(),
            })
            .collect(),
        links: Links::of(run_id),
    };
    let text = serde_json::to_string(&answer)
        .map_err(|e| ApiError::internal(format!("cannot write the answer: {e}")))?;
    state
        .store
        .archive_run(run_id, &files, key.map(|k| (k, text.as_str())))
        .map_err(|e| {
            state.metrics.store_error("keep a run's outputs");
            store_unavailable(state, &e)
        })?;
    Ok(text)
}

// ---------------------------------------------------------------- reading runs

/// Which runs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// At most this many (default 20, at most 1000).
    #[param(minimum = 0, maximum = 1000)]
    limit: Option<usize>,
    /// Only this branch's runs.
    branch: Option<String>,
}

/// Runs, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct RunList {
    runs: Vec<RunEntry>,
    /// Runs matching, in all.
    total: u64,
}

/// A recorded run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct RunEntry {
    run_id: i64,
    /// When it was recorded (RFC 3339).
    created: String,
    /// When the tests ran, as the result files say (RFC 3339).
    at: String,
    commit: Option<String>,
    branch: Option<String>,
    job: Option<String>,
    runner: Option<String>,
    summary: RunSummaryBody,
}

/// The recorded runs, newest first.
#[utoipa::path(
    get,
    path = "/v1/runs",
    params(ListQuery),
    responses(
        (status = 200, body = RunList),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 503, body = ErrorBody)
    )
)]
pub(crate) async fn list_runs(
    State(state): State<Arc<Shared>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<RunList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = within(q.limit, 20, 1000)?;
    let query = RunQuery::new(limit, q.branch);
    let store = Arc::clone(&state.store);
    let (runs, total) = blocking(move || store.list_runs(&query))
        .await?
        .map_err(|e| {
            state.metrics.store_error("list runs");
            store_unavailable(&state, &e)
        })?;
    Ok(Json(RunList {
        runs: runs
            .into_iter()
            .map(|r| RunEntry {
                run_id: r.id,
                created: format_ms(r.recorded_ms),
                at: format_ms(r.at_ms),
                commit: r.commit,
                branch: r.branch,
                job: r.ci_job,
                runner: r.runner,
                summary: RunSummaryBody::from(&r.summary),
            })
            .collect(),
        total,
    }))
}

/// A `limit` query: `default` when absent, refused above `max`.
fn within(limit: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if n <= max => Ok(n),
        Some(n) => Err(ApiError::bad_request(format!(
            "limit={n} is over the maximum of {max}"
        ))),
    }
}

/// Runs store work on a blocking thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal("the server failed on this request"))
}

/// One of a run's outputs.
#[utoipa::path(
    get,
    path = "/v1/runs/{id}/{file}",
    params(
        ("id" = i64, Path, description = "The run's id"),
        ("file" = String, Path, description = "report.json, report.html, junit.xml or summary.md")
    ),
    responses(
        (status = 200, description = "The file", content(
            (String = "application/json"),
            (String = "text/html"),
            (String = "application/xml"),
            (String = "text/markdown")
        )),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such run or file", body = ErrorBody)
    )
)]
pub(crate) async fn run_file(
    State(state): State<Arc<Shared>>,
    axum::extract::Path((id, file)): axum::extract::Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Some((name, media)) = FILES.iter().find(|(n, _)| *n == file) else {
        return Err(ApiError::not_found(
            "a run has report.json, report.html, junit.xml and summary.md",
        ));
    };
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found("run ids are numbers"))?;
    let store = Arc::clone(&state.store);
    let data = blocking(move || store.run_file(id, name))
        .await?
        .map_err(|e| {
            state.metrics.store_error("read a run's output");
            store_unavailable(&state, &e)
        })?
        .ok_or_else(|| {
            ApiError::not_found(format!("run {id} has no {name} (or does not exist)"))
        })?;
    let mut r = ([(CONTENT_TYPE, *media)], data).into_response();
    r.headers_mut()
        .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}

// ---------------------------------------------------------------- stability

/// How stable a test has been.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct StabilityBody {
    test: String,
    /// A (stable) to F.
    grade: String,
    /// `stable`, `flaky`, `broken`, `fixed` or `new`.
    verdict: String,
    /// Why, in words.
    reason: String,
    /// 0 (never flips) to 1.
    flakiness: f64,
    pass_rate: f64,
    flip_rate: f64,
    /// Results graded.
    runs: usize,
    /// Outcomes, oldest first.
    history: Vec<String>,
}

impl From<&TestStability> for StabilityBody {
    fn from(s: &TestStability) -> Self {
        StabilityBody {
            test: s.test.clone(),
            grade: s.grade.to_string(),
            verdict: s.verdict.as_str().to_owned(),
            reason: s.reason.clone(),
            flakiness: s.flakiness,
            pass_rate: s.pass_rate,
            flip_rate: s.flip_rate,
            runs: s.runs,
            history: s.history.iter().map(|o| o.as_str().to_owned()).collect(),
        }
    }
}

/// The stability table.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct FlakyAnswer {
    /// Unstable tests, worst first.
    tests: Vec<StabilityBody>,
    /// Recent results graded per test.
    window: usize,
}

/// How many rows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FlakyQuery {
    /// At most this many (default 50).
    #[param(minimum = 0, maximum = 100000)]
    limit: Option<usize>,
}

/// The tests that are not stable over their recent results, worst first.
#[utoipa::path(
    get,
    path = "/v1/flaky",
    params(FlakyQuery),
    responses(
        (status = 200, body = FlakyAnswer),
        (status = 400, description = "A query that is not a number", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 503, body = ErrorBody)
    )
)]
pub(crate) async fn flaky(
    State(state): State<Arc<Shared>>,
    query: Result<Query<FlakyQuery>, QueryRejection>,
) -> Result<Json<FlakyAnswer>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = within(q.limit, 50, 100_000)?;
    let window = state.options.stability_window.max(1);
    let store = Arc::clone(&state.store);
    let slice = blocking(move || store.unsettled_histories(window))
        .await?
        .map_err(|e| {
            state.metrics.store_error("read test histories");
            store_unavailable(&state, &e)
        })?;
    let opts = StabilityOptions {
        window,
        ..StabilityOptions::default()
    };
    let mut graded = assess_all(&slice, &opts);
    graded.retain(|s| !matches!(s.verdict, Verdict::Stable | Verdict::New));
    graded.sort_by(TestStability::worst_first);
    graded.truncate(limit);
    Ok(Json(FlakyAnswer {
        tests: graded.iter().map(StabilityBody::from).collect(),
        window,
    }))
}

/// One past result.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct EntryBody {
    run_id: i64,
    outcome: String,
    duration_us: Option<u64>,
    attempts: u32,
}

/// One test's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct TestAnswer {
    test: String,
    /// Its recent results, oldest first.
    results: Vec<EntryBody>,
    /// Graded.
    stability: Option<StabilityBody>,
}

/// One test's recent results and grade; `id` is the test's key (as
/// report.json and the stability table give it), URL-encoded.
#[utoipa::path(
    get,
    path = "/v1/tests/{id}",
    params(("id" = String, Path, description = "The test's key, URL-encoded")),
    responses(
        (status = 200, body = TestAnswer),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No result of this test is stored", body = ErrorBody)
    )
)]
pub(crate) async fn test_history(
    State(state): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<TestAnswer>, ApiError> {
    let window = state.options.stability_window.max(1);
    let store = Arc::clone(&state.store);
    let key = id.clone();
    let slice = blocking(move || store.test_histories(Some(&[key]), window))
        .await?
        .map_err(|e| {
            state.metrics.store_error("read test histories");
            store_unavailable(&state, &e)
        })?;
    let Some(test) = slice.tests.iter().find(|t| t.test == id) else {
        return Err(ApiError::not_found(
            "no result of this test is stored; test ids are the keys report.json and /v1/flaky give, URL-encoded",
        ));
    };
    let opts = StabilityOptions {
        window,
        ..StabilityOptions::default()
    };
    let stability = assess_all(&slice, &opts)
        .into_iter()
        .find(|s| s.test == id)
        .map(|s| StabilityBody::from(&s));
    Ok(Json(TestAnswer {
        test: id.clone(),
        results: test
            .entries
            .iter()
            .map(|e| EntryBody {
                run_id: e.run,
                outcome: e.outcome.as_str().to_owned(),
                duration_us: e.duration_us,
                attempts: e.attempts,
            })
            .collect(),
        stability,
    }))
}

// ---------------------------------------------------------------- the failure hook

/// A failing test, as a harness's failure hook sends it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct AnalyzeRequest {
    /// The test's name (its key, as the harness names it).
    #[schema(min_length = 1)]
    test: String,
    /// The failure: message and stack trace.
    failure: String,
    /// What the test printed.
    output: Option<String>,
    /// Components the failure concerns: their collectors run (those the
    /// server's configuration has; unknown names are ignored), beside the
    /// components its select rules choose.
    components: Option<Vec<String>>,
}

/// The analysis of one failing test.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct AnalyzeAnswer {
    /// The failure's fingerprint (the same failure in a run has the same).
    fingerprint: String,
    /// The analysis, when one could be made.
    #[schema(value_type = Option<Object>)]
    analysis: Option<serde_json::Value>,
    /// Why there is none, when the analyzer failed.
    analysis_error: Option<String>,
    /// What the collectors found.
    evidence: Vec<EvidenceBody>,
    /// How this test has behaved in recorded runs, when it has any.
    flake: Option<StabilityBody>,
}

/// One piece of evidence and where it came from.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct EvidenceBody {
    text: String,
    #[schema(value_type = Object)]
    provenance: serde_json::Value,
}

/// The failure hook: one failing test in, its analysis out (nothing is recorded).
#[utoipa::path(
    post,
    path = "/v1/analyze",
    request_body = AnalyzeRequest,
    responses(
        (status = 200, body = AnalyzeAnswer),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 503, body = ErrorBody)
    )
)]
pub(crate) async fn analyze_failure(
    State(state): State<Arc<Shared>>,
    body: Result<Json<AnalyzeRequest>, JsonRejection>,
) -> Result<Json<AnalyzeAnswer>, ApiError> {
    let Json(request) = body.map_err(|e| match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the failure as JSON (Content-Type: application/json)",
        ),
        e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::too_large(state.options.body_limit)
        }
        other => ApiError::bad_request(format!(
            "{}; the body is {{\"test\": \"…\", \"failure\": \"…\", \"output\": \"…\"}}",
            other.body_text()
        )),
    })?;
    if request.test.is_empty() {
        return Err(ApiError::bad_request(
            "`test` is empty: name the failing test",
        ));
    }
    let permit = pipeline_slot(&state).await?;
    let worker = Arc::clone(&state);
    let answer = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        analyze_one(&worker, request)
    })
    .await
    .map_err(|_| ApiError::internal("the server failed on this request"))??;
    Ok(Json(answer))
}

fn analyze_one(state: &Shared, request: AnalyzeRequest) -> Result<AnalyzeAnswer, ApiError> {
    let handle = tokio::runtime::Handle::current();
    let mut failure = Failure::new(FailureKind::Failure);
    let first = request
        .failure
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    failure.message = Some(first);
    failure.body = Some(Arc::from(request.failure.as_str()));
    let mut attempt = Attempt::with_failures(vec![failure]);
    if let Some(output) = request.output.filter(|o| !o.is_empty()) {
        attempt.stdout = Some(Box::new(failtale_core::capped::CappedText::complete(
            output,
        )));
    }
    let mut id = TestId::default();
    id.name = request.test;
    let mut case = TestCase::new(id, vec![attempt]);
    // The components named are collected from (those the configuration
    // has), beside those its rules choose.
    if let Some(components) = request.components.filter(|c| !c.is_empty()) {
        case.properties_mut()
            .push(Property::new("failtale.components", components.join(",")));
    }
    let key = case.id.key();
    let mut run = TestRun::default();
    run.push_input(InputStatus::new("failure-hook"), vec![case], Vec::new());
    let out = handle.block_on(state.pipeline.process_run(run));
    let Some(report) = out.clusters.into_iter().next() else {
        return Err(ApiError::bad_request("the failure gave nothing to analyse"));
    };
    let report = report.into_inner();
    let window = state.options.stability_window.max(1);
    let flake = match state
        .store
        .test_histories(Some(std::slice::from_ref(&key)), window)
    {
        Ok(slice) => assess_all(
            &slice,
            &StabilityOptions {
                window,
                ..StabilityOptions::default()
            },
        )
        .iter()
        .find(|s| s.test == key)
        .map(StabilityBody::from),
        Err(e) => {
            state.metrics.store_error("read test histories");
            tracing::warn!(error = %sanitize(state, &e.to_string()), "no history for the failure hook");
            None
        }
    };
    match (&report.analysis, &report.analysis_error) {
        (Some(a), _) => state.metrics.analysis(&a.analyzer, true),
        (None, Some(_)) => state.metrics.analysis("failed", false),
        (None, None) => {}
    }
    Ok(AnalyzeAnswer {
        fingerprint: report.cluster.fingerprint.hash.clone(),
        analysis: report
            .analysis
            .as_ref()
            .and_then(|a| serde_json::to_value(a).ok()),
        analysis_error: report.analysis_error.clone(),
        evidence: report
            .evidence
            .iter()
            .map(|e| EvidenceBody {
                text: e.text.clone(),
                provenance: serde_json::to_value(&e.provenance).unwrap_or_default(),
            })
            .collect(),
        flake,
    })
}

// ---------------------------------------------------------------- service

/// Liveness: answers while the server runs (no token needed).
#[utoipa::path(get, path = "/healthz", security(()), responses((status = 200, description = "`ok`")))]
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// Prometheus metrics: requests, latencies, pipeline stage durations, analyses, store errors.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain"), (status = 401, body = ErrorBody)))]
pub(crate) async fn metrics(State(state): State<Arc<Shared>>) -> Response {
    let busy = state.options.pipelines_at_once.max(1) - state.slots.available_permits();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        {
            let mut text = state.metrics.render(busy);
            for source in &state.options.extra_metrics {
                source.render(&mut text);
            }
            text
        },
    )
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json"), (status = 401, body = ErrorBody)))]
pub(crate) async fn openapi() -> Response {
    (
        [(CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
        .into_response()
}
