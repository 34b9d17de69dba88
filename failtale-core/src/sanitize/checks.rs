//! The decisions behind [`Check`](super::rules::Check): is this match a
//! secret, and which bytes of it are.

use std::ops::Range;

/// Splits a key name into lowercase words: `DB_PASSWORD` → `db password`,
/// `clientSecret` → `client secret`, `X-Api-Key` → `x api key`, `APIKey` → `api key`.
pub fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Words that, last in a key name, make its value a secret.
const SECRET_WORDS: &[(&str, &str)] = &[
    ("password", "password"),
    ("passwd", "password"),
    ("passphrase", "password"),
    ("pwd", "password"),
    ("pass", "password"),
    ("secret", "secret"),
    ("secrets", "secret"),
    ("credential", "secret"),
    ("credentials", "secret"),
    ("creds", "secret"),
    ("auth", "secret"),
    ("token", "token"),
    ("jwt", "token"),
    ("bearer", "token"),
    ("apikey", "api_key"),
    ("secretkey", "api_key"),
    ("accesskey", "api_key"),
    ("privatekey", "private_key"),
];

/// Words that, before a final `key`, make it a secret key (`api_key`, `X-Api-Key`, `private_key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "account",
    "client",
    "master",
    "encryption",
    "signing",
    "sign",
    "app",
    "application",
    "service",
    "storage",
    "subscription",
    "auth",
    "shared",
    "session",
    "consumer",
    "license",
    "ssh",
    "deploy",
    "admin",
    "root",
    "hmac",
    "jwt",
    "crypt",
    "crypto",
    "enc",
    "decryption",
    "webhook",
    "integration",
    "server",
    "token",
    "password",
    "cipher",
    "aes",
    "rsa",
    "gpg",
    "pgp",
    "sa",
    "azure",
    "aws",
    "gcp",
    "openai",
    "anthropic",
    "stripe",
    "sendgrid",
    "twilio",
    "mailgun",
    "slack",
    "github",
    "gitlab",
    "npm",
    "pypi",
];

/// Trailing words that do not change what a key holds (`SECRET_KEY_BASE`, `password_value`).
const NEUTRAL_SUFFIXES: &[&str] = &[
    "base",
    "value",
    "val",
    "str",
    "string",
    "raw",
    "b64",
    "base64",
    "hex",
    "plain",
    "plaintext",
    "data",
    "bytes",
];

/// Whole key names that look secret but are not (`PWD` is the working directory).
const NOT_SECRET_KEYS: &[&str] = &["oldpwd", "pass", "passed", "xauthority"];

/// The placeholder kind for a key name that names a secret, or `None`.
pub fn secret_key_kind(key: &str) -> Option<&'static str> {
    let key = key.trim_matches(|c: char| c == '-' || c == '.' || c == '_');
    let lower = key.to_ascii_lowercase();
    if NOT_SECRET_KEYS.contains(&lower.as_str()) {
        return None;
    }
    let mut words = key_words(key);
    while words.len() > 1 && NEUTRAL_SUFFIXES.contains(&words[words.len() - 1].as_str()) {
        words.pop();
    }
    let last = words.last()?;
    // A bare `authorization` key is the header rule's; `auth` alone is docker's config field.
    if last == "authorization" {
        return None;
    }
    if let Some((_, kind)) = SECRET_WORDS.iter().find(|(w, _)| w == last) {
        return Some(kind);
    }
    // A password word glued to what it is for: `PGPASSWORD`, `MYSQLPASSWD`,
    // JVM `-Dpassword` (read as `Dpassword`). Only the long words: `bypass`
    // and `compass` are not passwords.
    if ["password", "passwd", "passphrase"]
        .iter()
        .any(|w| last.len() > w.len() && last.ends_with(w))
    {
        return Some("password");
    }
    if last == "key" && words.len() >= 2 {
        let prev = words[words.len() - 2].as_str();
        if KEY_QUALIFIERS.contains(&prev) {
            return Some(if prev == "private" {
                "private_key"
            } else {
                "api_key"
            });
        }
    }
    None
}

/// True when byte `at` lies in the `user:password@host` part of a URL
/// (`postgres://u:p!ss@host`), which the URL rule handles.
pub fn in_url_authority(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let token_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '(' | '['))
        .map_or(0, |i| i + 1);
    let token = &before[token_start..];
    match token.rfind("://") {
        Some(i) => !token[i + 3..].contains('/'),
        None => false,
    }
}

/// True for a file system path (`/home/runner/gcp.json`, `./keys/id`), not a
/// secret that happens to start with a slash.
pub fn looks_like_path(v: &str) -> bool {
    (v.starts_with('/') || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/"))
        && v.matches('/').count() >= 2
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
}

/// True for `PWD=/home/me`: the shell's working directory, not an ODBC `Pwd=`.
pub fn is_working_directory(key: &str, value: &str) -> bool {
    key.eq_ignore_ascii_case("pwd")
        && (value.starts_with('/') || value.starts_with('~') || value.get(1..3) == Some(":\\"))
}

/// Values assigned to secret-named keys that are not secrets: empty,
/// placeholders, references to other variables, types.
pub fn is_non_secret_value(value: &str, kind: &str) -> bool {
    let v = value.trim();
    if v.len() < 3 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "unset",
        "redacted",
        "<redacted>",
        "[redacted]",
        "(redacted)",
        "[filtered]",
        "[masked]",
        "hidden",
        "<hidden>",
        "required",
        "optional",
        "string",
        "str",
        "bytes",
        "secret",
        "password",
        "token",
        "bearer",
        "basic",
        "digest",
        "not set",
        "<none>",
        "<nil>",
        "<empty>",
        "n/a",
    ];
    if WORDS.contains(&lower.as_str()) || lower.starts_with("[redacted") {
        return true;
    }
    // Masks: ***, xxxx, ••••.
    if v.chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '•' | '#' | '.'))
    {
        return true;
    }
    if looks_like_path(v) {
        return true;
    }
    // References: ${VAR}, $VAR, %VAR%, {{ var }}, <VAR>, os.environ[...], process.env.X, secrets.X.
    if v.starts_with("${")
        || (v.starts_with('$')
            && v[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || (v.starts_with('%') && v.ends_with('%'))
        || v.starts_with("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || lower.starts_with("process.env")
        || lower.starts_with("os.environ")
        || lower.starts_with("env(")
        || lower.starts_with("secrets.")
    {
        return true;
    }
    // Rust/Java constructors and type names printed where a value would be: `Token { .. }`, `Secret(…)`.
    if v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            .trim_start()
            .starts_with(['{', '('])
    {
        return true;
    }
    // Counts and small numbers next to token-ish keys: `token=42`.
    if kind != "password" && v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    false
}

/// Trims an unquoted rest-of-line value: trailing comments, commas and spaces.
pub fn trim_line_value(line: &str, span: Range<usize>) -> Range<usize> {
    let mut s = &line[span.clone()];
    if let Some(i) = s.find(" #") {
        s = &s[..i];
    }
    let trimmed = s.trim_end_matches([' ', '\t', '\r', ',', ';']);
    span.start..span.start + trimmed.len()
}

/// Authorization schemes whose word stays readable.
const SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "token",
    "digest",
    "negotiate",
    "ntlm",
    "aws4-hmac-sha256",
    "apikey",
    "api-key",
    "bot",
    "hoba",
    "mutual",
    "vapid",
    "otp",
    "sso-key",
    "splunk",
    "key",
];

/// The secret part of an `Authorization` value: after a known scheme word;
/// without one, only a value that looks like a credential.
pub fn auth_secret(value: &str) -> Option<Range<usize>> {
    let trimmed_end = value.trim_end().len();
    let value_t = &value[..trimmed_end];
    let first_end = value_t.find(char::is_whitespace).unwrap_or(value_t.len());
    let first = &value_t[..first_end];
    if SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(first)) {
        let rest_start =
            first_end + (value_t[first_end..].len() - value_t[first_end..].trim_start().len());
        if rest_start >= value_t.len() || value_t[rest_start..].starts_with("[REDACTED:") {
            return None;
        }
        return Some(rest_start..trimmed_end);
    }
    // No scheme: a single word that mixes classes (`Authorization: 3f9a…`), not prose ("required").
    if first_end == value_t.len()
        && value_t.len() >= 8
        && value_t.bytes().any(|b| b.is_ascii_digit())
        && !value_t.starts_with("[REDACTED:")
    {
        return Some(0..trimmed_end);
    }
    None
}

/// Cookie attributes, not cookie names.
const COOKIE_ATTRIBUTES: &[&str] = &[
    "path",
    "domain",
    "expires",
    "max-age",
    "samesite",
    "secure",
    "httponly",
    "priority",
    "partitioned",
    "version",
    "comment",
];

/// The values of the cookies in a `Cookie`/`Set-Cookie` value.
pub fn cookie_values(value: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for part in value.split(';') {
        let start = pos;
        pos += part.len() + 1;
        let Some(eq) = part.find('=') else { continue };
        let name = part[..eq].trim();
        if name.is_empty()
            || COOKIE_ATTRIBUTES
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let raw = &part[eq + 1..];
        let lead = raw.len() - raw.trim_start().len();
        let v = raw.trim();
        let v = v.trim_end_matches(',');
        if v.is_empty() || v.starts_with("[REDACTED:") || v.eq_ignore_ascii_case("deleted") {
            continue;
        }
        let s = start + eq + 1 + lead;
        out.push(s..s + v.len());
    }
    out
}

/// True when the card number's digits pass Luhn and carry a card network's prefix and length.
pub fn is_card_number(digits: &[u8]) -> bool {
    let n = digits.len();
    if !(13..=19).contains(&n) || digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let prefix = |k: usize| -> u32 {
        digits[..k]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let network = match digits[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'5' => (51..=55).contains(&prefix(2)) && n == 16,
        b'2' => (2221..=2720).contains(&prefix(4)) && n == 16,
        b'3' => {
            (matches!(prefix(2), 34 | 37) && n == 15)
                || ((3528..=3589).contains(&prefix(4)) && (16..=19).contains(&n))
                || (matches!(prefix(2), 36 | 38 | 39) && (14..=19).contains(&n))
                || ((300..=305).contains(&prefix(3)) && (14..=19).contains(&n))
        }
        b'6' => {
            (prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)))
                && (16..=19).contains(&n)
                || (prefix(2) == 62 && (16..=19).contains(&n))
        }
        _ => false,
    };
    network && luhn(digits)
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// True for an IPv4 address that says something about a host or person
/// (not loopback, unspecified, broadcast or a netmask).
pub fn is_public_ipv4(s: &str) -> bool {
    let parts: Vec<u8> = s.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() != 4 {
        return false;
    }
    !(parts[0] == 127 || parts[0] == 0 || parts[0] == 255 || parts == [255, 255, 255, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_words_split_every_style() {
        assert_eq!(key_words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(key_words("clientSecret"), ["client", "secret"]);
        assert_eq!(key_words("X-Api-Key"), ["x", "api", "key"]);
        assert_eq!(key_words("APIKey"), ["api", "key"]);
        assert_eq!(
            key_words("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
    }

    #[test]
    fn key_names() {
        for k in [
            "DB_PASSWORD",
            "github_token",
            "clientSecret",
            "X-Api-Key",
            "OPENAI_API_KEY",
            "SECRET_KEY_BASE",
            "private_key",
            "passwd",
            "token",
            "auth",
            "db_pass",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "--password",
            "credentials",
        ] {
            assert!(secret_key_kind(k).is_some(), "{k}");
        }
        for k in [
            "password_reset_test",
            "token_count",
            "secret_santa",
            "keyboard",
            "monkey",
            "primary_key",
            "sort_key",
            "OLDPWD",
            "password_file",
            "max_tokens",
            "tokenizer",
            "secret_name",
            "key",
            "pass",
            "Authorization",
            "private_key_id",
            "token_type",
            "SSH_AUTH_SOCK",
            "CARGO_PKG_AUTHORS",
            "keyspace",
        ] {
            assert!(secret_key_kind(k).is_none(), "{k}");
        }
    }

    #[test]
    fn non_secret_values() {
        for v in [
            "null",
            "${DB_PASSWORD}",
            "$TOKEN",
            "***",
            "Token { .. }",
            "Secret(..)",
            "42",
            "<redacted>",
        ] {
            assert!(is_non_secret_value(v, "token"), "{v}");
        }
        for v in ["hunter2", "correct horse battery staple", "s3cr3t!"] {
            assert!(!is_non_secret_value(v, "password"), "{v}");
        }
    }

    #[test]
    fn auth_keeps_scheme() {
        let v = "Bearer abc.def";
        assert_eq!(&v[auth_secret(v).unwrap()], "abc.def");
        assert_eq!(auth_secret("required"), None);
        assert_eq!(auth_secret("header missing"), None);
    }

    #[test]
    fn cookies_keep_names_and_attributes() {
        let v = "sessionid=abc123; Path=/; HttpOnly; csrftoken=zz9";
        let got: Vec<&str> = cookie_values(v).into_iter().map(|r| &v[r]).collect();
        assert_eq!(got, ["abc123", "zz9"]);
    }

    #[test]
    fn cards() {
        assert!(is_card_number(b"4111111111111111"));
        assert!(is_card_number(b"5555555555554444"));
        assert!(is_card_number(b"378282246310005"));
        assert!(!is_card_number(b"4111111111111112"));
        assert!(!is_card_number(b"1700000000000000000"));
    }
}
