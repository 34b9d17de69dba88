//! The HTTP layer under async-openai: one request per attempt, a timeout per
//! attempt, and retries with exponential backoff and jitter on 429, 5xx and
//! timeouts that honour `Retry-After`. async-openai's own retry is replaced
//! (a custom service) so every attempt is counted and every delay recorded.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use reqwest::Response;

/// Longest `Retry-After` honoured; a longer one fails the request (the rules answer instead).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Counters shared by every request of an analyzer.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP attempts sent (including retries).
    pub attempts: AtomicUsize,
    /// Delays slept before retries, in order.
    pub retry_delays: Mutex<Vec<Duration>>,
}

impl Stats {
    /// Attempts so far.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Delays slept so far.
    pub fn delays(&self) -> Vec<Duration> {
        self.retry_delays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Retry policy.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay.
    pub backoff: Duration,
    /// Limit for one attempt.
    pub timeout: Duration,
}

/// A tower service sending requests with [`RetryPolicy`].
#[derive(Clone, Debug)]
pub struct RetryService {
    client: reqwest::Client,
    policy: RetryPolicy,
    stats: Arc<Stats>,
    jitter: Arc<AtomicU64>,
}

impl RetryService {
    /// A service over `client`.
    pub fn new(client: reqwest::Client, policy: RetryPolicy, stats: Arc<Stats>) -> Self {
        RetryService {
            client,
            policy,
            stats,
            jitter: Arc::new(AtomicU64::new(0x9e37_79b9_7f4a_7c15)),
        }
    }
}

/// Backoff for retry `n` (0-based): `base * 2^n` plus up to half of that again as jitter.
pub fn backoff_delay(base: Duration, n: u32, random: u64) -> Duration {
    let exp = base.saturating_mul(1u32 << n.min(10));
    let jitter_ms = (exp.as_millis() as u64 / 2).max(1);
    exp + Duration::from_millis(random % jitter_ms)
}

/// Reads `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    parse_retry_after(v, std::time::SystemTime::now())
}

/// Parses a `Retry-After` value as of `now`: whole or fractional seconds, or
/// an IMF-fixdate such as `Wed, 21 Oct 2015 07:28:00 GMT` (a date in the past
/// means "now"). `None` for anything else, so the caller falls back to backoff.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at_ms = at.timestamp_millis();
    let now_ms = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64;
    Some(Duration::from_millis(
        at_ms.saturating_sub(now_ms).max(0) as u64
    ))
}

#[derive(Debug, thiserror::Error)]
#[error("request timed out after {0:?}")]
struct TimedOut(Duration);

impl RetryService {
    fn next_random(&self) -> u64 {
        // xorshift over a shared state: enough to spread retries, no RNG dependency.
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        x
    }

    async fn send(self, factory: HttpRequestFactory) -> Result<Response, OpenAIError> {
        let mut retry = 0;
        loop {
            let request = factory.build().await?;
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            let outcome =
                tokio::time::timeout(self.policy.timeout, self.client.execute(request)).await;
            let can_retry = retry < self.policy.max_retries;
            let delay = match outcome {
                Ok(Ok(resp)) => {
                    let status = resp.status();
                    let transient = status.as_u16() == 429 || status.is_server_error();
                    if !transient || !can_retry {
                        return Ok(resp);
                    }
                    match retry_after(&resp) {
                        Some(d) if d > MAX_RETRY_AFTER => return Ok(resp),
                        Some(d) => d,
                        None => backoff_delay(self.policy.backoff, retry, self.next_random()),
                    }
                }
                Ok(Err(e)) => {
                    if !(can_retry && (e.is_timeout() || e.is_connect() || e.is_request())) {
                        return Err(OpenAIError::Reqwest(e));
                    }
                    backoff_delay(self.policy.backoff, retry, self.next_random())
                }
                Err(_) => {
                    if !can_retry {
                        return Err(OpenAIError::Boxed(Box::new(TimedOut(self.policy.timeout))));
                    }
                    backoff_delay(self.policy.backoff, retry, self.next_random())
                }
            };
            self.stats
                .retry_delays
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(delay);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}

impl tower::Service<HttpRequestFactory> for RetryService {
    type Response = Response;
    type Error = OpenAIError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response, OpenAIError>> + Send + 'static>,
    >;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: HttpRequestFactory) -> Self::Future {
        Box::pin(self.clone().send(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        // 2015-10-21T07:28:00Z
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("0.25", now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past means retry now, not never.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["-1", "soon", "NaN", "", "inf"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_and_jitter_stays_below_half() {
        let b = Duration::from_millis(100);
        for r in [0, 7, 49, 1 << 40] {
            let d0 = backoff_delay(b, 0, r);
            let d2 = backoff_delay(b, 2, r);
            assert!(d0 >= b && d0 < b * 3 / 2, "{d0:?}");
            assert!(d2 >= b * 4 && d2 < b * 6, "{d2:?}");
        }
    }
}
