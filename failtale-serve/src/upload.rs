//! An upload's body into inputs: one result file, or several as
//! `multipart/form-data`, either of them gzip-compressed; every size
//! bounded by the server's body limit, after decompression too.

use std::io::Read;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use failtale_core::input::Input;
use futures_util::StreamExt;

use crate::error::ApiError;

/// Content types of one result file. None at all is taken as one too.
const SINGLE: &[&str] = &[
    "application/xml",
    "text/xml",
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "text/plain",
    "application/octet-stream",
];

/// Reads the whole body, at most `limit` bytes. A body cut off (the client
/// went away) is an error: nothing of it is used.
pub(crate) async fn body_bytes(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut data = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(format!(
                "the request body could not be read to its end ({e}); nothing was recorded, send it again"
            ))
        })?;
        if data.len() + chunk.len() > limit {
            return Err(ApiError::too_large(limit));
        }
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Undoes `Content-Encoding` (gzip, or none), keeping within `limit`.
pub(crate) fn decode(
    headers: &HeaderMap,
    data: Vec<u8>,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let encoding = headers
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => Ok(data),
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(data.as_slice())
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    ApiError::bad_request(format!(
                        "Content-Encoding is gzip but the body is not valid gzip: {e}"
                    ))
                })?;
            if out.len() > limit {
                return Err(ApiError::too_large(limit));
            }
            Ok(out)
        }
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Encoding {other:?} is not supported; send the body as is or gzip-compressed"
            ),
        )),
    }
}

/// The result files of an upload, named after their multipart file names
/// (or `name`, for a single file).
pub(crate) async fn inputs(
    headers: &HeaderMap,
    data: Vec<u8>,
    name: &str,
    limit: usize,
) -> Result<Vec<Input>, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let essence = content_type.as_deref().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match essence.as_deref() {
        None => Ok(vec![single(name, data)]),
        Some(e) if SINGLE.contains(&e) => Ok(vec![single(name, data)]),
        Some("multipart/form-data") => {
            multipart(content_type.unwrap_or_default(), data, limit).await
        }
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {other:?} is not a result file: send JUnit XML or libtest JSON as application/xml, application/json or application/octet-stream, or several files as multipart/form-data"
            ),
        )),
    }
}

fn single(name: &str, data: Vec<u8>) -> Input {
    Input::Bytes {
        name: name.to_owned(),
        data,
    }
}

async fn multipart(
    content_type: String,
    data: Vec<u8>,
    limit: usize,
) -> Result<Vec<Input>, ApiError> {
    let request = Request::builder()
        .header(CONTENT_TYPE, content_type)
        .body(Body::from(data))
        .map_err(|e| ApiError::bad_request(format!("bad multipart request: {e}")))?;
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("bad multipart/form-data body: {e}")))?;
    let mut inputs = Vec::new();
    let mut total = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "bad multipart/form-data body: {e}"
                )));
            }
        };
        let name = field
            .file_name()
            .or(field.name())
            .map_or_else(|| format!("part-{}", inputs.len() + 1), str::to_owned);
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::bad_request(format!("the part {name:?} could not be read: {e}"))
        })?;
        total += bytes.len();
        if total > limit {
            return Err(ApiError::too_large(limit));
        }
        inputs.push(Input::Bytes {
            name,
            data: bytes.to_vec(),
        });
    }
    if inputs.is_empty() {
        return Err(ApiError::bad_request(
            "the multipart/form-data body has no parts: add one part per result file",
        ));
    }
    Ok(inputs)
}
