//! Bearer tokens: who may call the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The tokens a server accepts, kept only as SHA-256 digests. A token
/// presented is hashed and compared with every digest in constant time,
/// so neither its content nor which digest matched shows in the timing.
#[derive(Clone)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.digests.len())
    }
}

/// Why tokens could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokensError {
    /// The token file could not be read.
    #[error("cannot read the token file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of the token file is not a SHA-256 digest.
    #[error(
        "{path}:{line}: not a SHA-256 digest (64 hex digits); write `printf %s TOKEN | sha256sum` output, one per line"
    )]
    BadDigest {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
    },
    /// No token at all.
    #[error("no token given: {0} is empty")]
    Empty(String),
}

impl Tokens {
    /// Tokens given in clear (as `FAILTALE_SERVE_TOKENS` holds them,
    /// comma-separated); empty entries are ignored.
    pub fn from_list(list: &str) -> Result<Self, TokensError> {
        let digests: Vec<[u8; 32]> = list
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Sha256::digest(t.as_bytes()).into())
            .collect();
        if digests.is_empty() {
            return Err(TokensError::Empty("the token list".into()));
        }
        Ok(Tokens { digests })
    }

    /// A file of SHA-256 digests of the tokens, one per line in hex
    /// (`sha256sum` output: anything after the digest is ignored; `#`
    /// starts a comment).
    pub fn from_digest_file(path: &Path) -> Result<Self, TokensError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut digests = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some(hex) = line.split_whitespace().next() else {
                continue;
            };
            digests.push(parse_digest(hex).ok_or_else(|| TokensError::BadDigest {
                path: path.to_owned(),
                line: n + 1,
            })?);
        }
        if digests.is_empty() {
            return Err(TokensError::Empty(path.display().to_string()));
        }
        Ok(Tokens { digests })
    }

    /// Whether `token` is one of them.
    pub fn accepts(&self, token: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut any = 0u8;
        for d in &self.digests {
            let mut diff = 0u8;
            for (a, b) in d.iter().zip(&presented) {
                diff |= a ^ b;
            }
            any |= u8::from(diff == 0);
        }
        any == 1
    }
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Refuses requests without an accepted bearer token: 401 without one (or
/// with a malformed header), 403 with one the server does not accept.
pub(crate) async fn require_token(
    State(state): State<Arc<crate::State>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(tokens) = &state.options.tokens else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    match presented {
        None => {
            let mut r = ApiError::unauthorized(
                "this endpoint needs `Authorization: Bearer <token>`; the server's tokens are set by FAILTALE_SERVE_TOKENS or its token file",
            )
            .into_response();
            r.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"failtale\""),
            );
            r
        }
        Some(t) if tokens.accepts(t) => next.run(request).await,
        Some(_) => ApiError::forbidden("this token is not accepted by the server").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_a_list_and_from_digests_accept_exactly_their_tokens() {
        let t = Tokens::from_list(" alpha ,, beta").unwrap();
        assert!(t.accepts("alpha") && t.accepts("beta"));
        assert!(!t.accepts("alph") && !t.accepts("") && !t.accepts("alpha "));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tokens");
        let digest: String = Sha256::digest(b"gamma")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(&f, format!("# ci runners\n{digest}  -\n\n")).unwrap();
        let t = Tokens::from_digest_file(&f).unwrap();
        assert!(t.accepts("gamma") && !t.accepts("alpha"));
        std::fs::write(&f, "gamma\n").unwrap();
        assert!(matches!(
            Tokens::from_digest_file(&f),
            Err(TokensError::BadDigest { line: 1, .. })
        ));
        assert!(Tokens::from_list(" , ").is_err());
        assert!(
            !format!("{t:?}").contains(&digest),
            "debug output shows no digest"
        );
    }
}
