//! The built-in rule table: data, not code.
//!
//! Each [`Rule`] names what it finds (`name`, used to switch it off), the
//! label its placeholders carry (`kind`), the literal anchors that make it a
//! candidate, the pattern run around an anchor hit, and the [`Check`] that
//! decides whether a match is a secret and which part of it is.
//!
//! Conventions for patterns: the secret is the first participating group
//! named `s1`, `s2`, … (alternatives for quoted and unquoted values); a group
//! named `key` holds the name a value was assigned to; a group named `rest`
//! is a secret running to the end of the line (trailing comments, commas and
//! spaces are trimmed); without such groups the whole match is the secret. Rules are listed from most to least specific:
//! when two matches overlap, the union is redacted under the earlier rule's kind.

/// A literal whose presence makes a rule a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The literal.
    pub text: &'static str,
    /// Match case exactly (token prefixes) or ignore ASCII case (key names).
    pub exact_case: bool,
    /// The byte before the literal must not be a letter or digit.
    pub word_start: bool,
}

/// A token prefix: exact case, at the start of a word.
const fn tok(text: &'static str) -> Anchor {
    Anchor {
        text,
        exact_case: true,
        word_start: true,
    }
}

/// A fragment of a key name or keyword: any case, anywhere.
const fn frag(text: &'static str) -> Anchor {
    Anchor {
        text,
        exact_case: false,
        word_start: false,
    }
}

/// What decides that a match is a secret, and which part of it to redact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// Every match is a secret.
    Always,
    /// The token must mix letters and digits (a word with a prefix is not a token).
    LettersAndDigits,
    /// The `key` group must name a secret (`DB_PASSWORD`, `clientSecret`,
    /// `X-Api-Key`; not `token_count`, `secret_santa`, `keyboard`) and the
    /// value must not be an obvious non-secret (`null`, `${VAR}`, `None`, `42`).
    KeyName,
    /// The value must look random: entropy and character classes.
    Entropy,
    /// An `Authorization` value: the scheme word stays readable; a value
    /// without a known scheme must look like a credential.
    AuthValue,
    /// A `Cookie`/`Set-Cookie` value: each cookie's value is redacted, names
    /// and attributes (`Path`, `Expires`, …) stay.
    CookiePairs,
    /// A private key body with no `-----END` line (cut off): accepted only
    /// when the complete form did not match.
    TruncatedKey,
    /// An e-mail address that is not the authority part of a URL.
    Email,
    /// A card number: Luhn-checked, with a card network's prefix and length.
    Luhn,
    /// An IPv4 address other than loopback, unspecified and broadcast.
    PublicIp,
}

/// Which text around an anchor hit a rule's pattern runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The line holding the hit.
    Line,
    /// From the line holding the hit over the following lines (up to 64 KiB):
    /// PEM blocks.
    Block,
    /// The whole text (rules without anchors; used for opt-in rules only).
    Text,
    /// Lines holding a run of at least 13 digits (spaces and dashes between
    /// them allowed), found by a byte scan instead of literal anchors: card numbers.
    DigitRuns,
}

/// Which configuration switch a rule depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Always on unless disabled by name.
    Always,
    /// `redact_emails` (default on).
    Emails,
    /// `redact_ips` (default off).
    Ips,
    /// `redact_card_numbers` (default on).
    Cards,
}

/// One built-in rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Unique name, for `disable` and in the corpus report.
    pub name: &'static str,
    /// Label in placeholders (`[REDACTED:<kind>#n]`); empty: derived from the key name.
    pub kind: &'static str,
    /// Literals of which one must occur for the rule to run.
    pub anchors: &'static [Anchor],
    /// The pattern (Rust `regex` syntax).
    pub pattern: &'static str,
    /// What decides and shapes the secret.
    pub check: Check,
    /// Text the pattern runs on around a hit.
    pub scope: Scope,
    /// Configuration switch.
    pub gate: Gate,
}

const fn rule(
    name: &'static str,
    kind: &'static str,
    anchors: &'static [Anchor],
    pattern: &'static str,
    check: Check,
) -> Rule {
    Rule {
        name,
        kind,
        anchors,
        pattern,
        check,
        scope: Scope::Line,
        gate: Gate::Always,
    }
}

/// Fragments of key names that can name a secret. The `key` group of the
/// assignment rules must contain one; [`Check::KeyName`] then decides on the whole name.
const KEY_FRAGMENTS: &[Anchor] = &[
    frag("pass"),
    frag("pwd"),
    frag("secret"),
    frag("token"),
    frag("key"),
    frag("cred"),
    frag("auth"),
    frag("jwt"),
    frag("bearer"),
];

/// The key-name part of the assignment patterns: an identifier holding a fragment.
/// The key must end in a secret word (or one followed by a neutral suffix
/// such as `_BASE`), so `keyspace: x` fails in the regex, not in the check.
macro_rules! key {
    () => {
        r"(?P<key>[A-Za-z0-9_.\-]*(?i:pass|passwd|password|passphrase|pwd|secrets?|token|key|credentials?|creds|auth|jwt|bearer|apikey)(?:[_.\-]?(?i:base|value|val|str|string|raw|b64|base64|hex|plain|plaintext|data|bytes))?)"
    };
}

/// What follows a header name (`Authorization`, `Cookie`): an optional
/// closing quote of a JSON key, `:` or `=`, then the value as an escaped
/// JSON string, a quoted string or the rest of the line (groups `s1`–`s4`).
macro_rules! header_value {
    () => {
        r#"(?:\\?["'])?\s*[:=]\s*(?:\\"(?P<s1>(?:[^"\\]|\\[^"])+)\\"|"(?P<s2>(?:\\.|[^"\\\r\n])+)"|'(?P<s3>[^'\r\n]+)'|(?P<s4>[^\s"'][^\r\n"']*))"#
    };
}

/// Generic context words for [`Check::Entropy`].
const CONTEXT_FRAGMENTS: &[Anchor] = &[
    frag("pass"),
    frag("pwd"),
    frag("secret"),
    frag("token"),
    frag("key"),
    frag("cred"),
    frag("auth"),
    frag("sig"),
    frag("salt"),
    frag("hmac"),
    frag("session"),
    frag("private"),
    frag("bearer"),
];

/// The built-in rules, most specific first.
pub static RULES: &[Rule] = &[
    // ---- private keys -------------------------------------------------------
    Rule {
        scope: Scope::Block,
        ..rule(
            "private_key",
            "private_key",
            &[frag("-----BEGIN")],
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<s1>(?s:.*?))-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
            Check::Always,
        )
    },
    Rule {
        scope: Scope::Block,
        ..rule(
            "private_key_truncated",
            "private_key",
            &[frag("-----BEGIN")],
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<s1>[A-Za-z0-9+/=\s\\:,.\-]+)",
            Check::TruncatedKey,
        )
    },
    // ---- cloud credentials ---------------------------------------------------
    rule(
        "aws_access_key_id",
        "aws_access_key_id",
        &[tok("AKIA"), tok("ASIA"), tok("ABIA"), tok("ACCA")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)",
        Check::Always,
    ),
    rule(
        "aws_secret_access_key",
        "aws_secret_access_key",
        &[frag("aws")],
        r#"(?i:aws)[A-Za-z0-9_.\-]*(?i:secret)[A-Za-z0-9_.\-]*["']?\s*(?:=>|:=|=|:|\s)\s*["']?(?P<s1>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)"#,
        Check::Always,
    ),
    rule(
        "gcp_api_key",
        "gcp_api_key",
        &[tok("AIza")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        Check::Always,
    ),
    rule(
        "gcp_oauth_client_secret",
        "gcp_oauth_client_secret",
        &[tok("GOCSPX-")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>GOCSPX-[0-9A-Za-z_\-]{28})",
        Check::Always,
    ),
    rule(
        "gcp_oauth_access_token",
        "gcp_oauth_token",
        &[tok("ya29.")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>ya29\.[0-9A-Za-z_\-]{20,})",
        Check::Always,
    ),
    rule(
        "azure_storage_account_key",
        "azure_account_key",
        &[frag("AccountKey="), frag("SharedAccessKey=")],
        r"(?i:AccountKey|SharedAccessKey)=(?P<s1>[A-Za-z0-9+/]{20,}={0,2})",
        Check::Always,
    ),
    rule(
        "azure_sas_signature",
        "azure_sas_sig",
        &[frag("sig=")],
        r"[?&;]sig=(?P<s1>[A-Za-z0-9%+/=]{20,})",
        Check::Always,
    ),
    // ---- service tokens by published prefix --------------------------------
    rule(
        "github_token",
        "github_token",
        &[
            tok("ghp_"),
            tok("gho_"),
            tok("ghu_"),
            tok("ghs_"),
            tok("ghr_"),
        ],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>gh[pousr]_[A-Za-z0-9]{36,255}\b)",
        Check::Always,
    ),
    rule(
        "age_secret_key",
        "private_key",
        &[tok("AGE-SECRET-KEY-1")],
        r"(?P<s1>AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})\b",
        Check::Always,
    ),
    rule(
        "github_fine_grained_token",
        "github_token",
        &[tok("github_pat_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>github_pat_[A-Za-z0-9_]{22,255}\b)",
        Check::Always,
    ),
    rule(
        "gitlab_token",
        "gitlab_token",
        &[
            tok("glpat-"),
            tok("gldt-"),
            tok("glrt-"),
            tok("glptt-"),
            tok("glsoat-"),
            tok("glcbt-"),
            tok("glffct-"),
            tok("gloas-"),
            tok("glimt-"),
            tok("glagent-"),
            tok("glft-"),
            tok("GR1348941"),
        ],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>(?:gl(?:pat|dt|rt|ptt|soat|cbt|ffct|oas|imt|agent|ft)-|GR1348941)[0-9A-Za-z_\-]{20,})",
        Check::Always,
    ),
    rule(
        "slack_token",
        "slack_token",
        &[
            tok("xoxa-"),
            tok("xoxb-"),
            tok("xoxp-"),
            tok("xoxo-"),
            tok("xoxs-"),
            tok("xoxr-"),
            tok("xoxe"),
        ],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>xox(?:[abposr]|e(?:\.xox[abposr])?)-[0-9A-Za-z\-]{10,})",
        Check::Always,
    ),
    rule(
        "slack_webhook",
        "slack_webhook",
        &[frag("hooks.slack.com")],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s1>[A-Za-z0-9/_\-]{20,})",
        Check::Always,
    ),
    rule(
        "stripe_key",
        "stripe_key",
        &[
            tok("sk_live_"),
            tok("sk_test_"),
            tok("rk_live_"),
            tok("rk_test_"),
            tok("whsec_"),
        ],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>(?:(?:sk|rk)_(?:live|test)_|whsec_)[0-9A-Za-z]{16,})",
        Check::Always,
    ),
    rule(
        "anthropic_key",
        "anthropic_key",
        &[tok("sk-ant-")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>sk-ant-[0-9A-Za-z_\-]{20,})",
        Check::Always,
    ),
    rule(
        "openai_key",
        "openai_key",
        &[tok("sk-")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>sk-(?:(?:proj|svcacct|admin|None)-)?[0-9A-Za-z_\-]{20,})",
        Check::LettersAndDigits,
    ),
    rule(
        "npm_token",
        "npm_token",
        &[tok("npm_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>npm_[A-Za-z0-9]{36}\b)",
        Check::Always,
    ),
    rule(
        "pypi_token",
        "pypi_token",
        &[tok("pypi-")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>pypi-AgE[A-Za-z0-9_\-]{50,})",
        Check::Always,
    ),
    rule(
        "vault_token",
        "vault_token",
        &[tok("hvs."), tok("hvb."), tok("hvr.")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>hv[sbr]\.[A-Za-z0-9_\-]{24,})",
        Check::Always,
    ),
    rule(
        "sendgrid_key",
        "sendgrid_key",
        &[tok("SG.")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b)",
        Check::Always,
    ),
    rule(
        "twilio_api_key",
        "twilio_key",
        &[tok("SK")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>SK[0-9a-f]{32}\b)",
        Check::LettersAndDigits,
    ),
    rule(
        "huggingface_token",
        "huggingface_token",
        &[tok("hf_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>hf_[A-Za-z]{34}\b)",
        Check::Always,
    ),
    rule(
        "docker_hub_token",
        "docker_token",
        &[tok("dckr_pat_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>dckr_pat_[A-Za-z0-9_\-]{27})",
        Check::Always,
    ),
    rule(
        "digitalocean_token",
        "digitalocean_token",
        &[tok("dop_v1_"), tok("doo_v1_"), tok("dor_v1_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>do[por]_v1_[a-f0-9]{64}\b)",
        Check::Always,
    ),
    rule(
        "shopify_token",
        "shopify_token",
        &[tok("shpat_"), tok("shpss_"), tok("shpca_"), tok("shppa_")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b)",
        Check::Always,
    ),
    rule(
        "jwt",
        "jwt",
        &[tok("eyJ")],
        r"(?:(?m:^)|[^A-Za-z0-9])(?P<s1>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]*)",
        Check::Always,
    ),
    // ---- HTTP ----------------------------------------------------------------
    rule(
        "authorization_header",
        "authorization",
        &[frag("authorization")],
        concat!(r"(?i:\b(?:proxy-)?authorization)", header_value!()),
        Check::AuthValue,
    ),
    rule(
        "cookie_header",
        "cookie",
        &[frag("cookie")],
        concat!(r"(?i:\b(?:set-)?cookie)", header_value!()),
        Check::CookiePairs,
    ),
    rule(
        "basic_auth_flag",
        "password",
        &[frag("-u "), frag("--user")],
        r#"(?:^|\s)(?:-u|--user)(?:\s+|=)["']?[^\s:"'@/]+:(?P<s1>[^\s"']+)"#,
        Check::Always,
    ),
    rule(
        "url_credentials",
        "url_password",
        &[frag("://")],
        r#"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@"'<>]*:(?P<s1>[^\s/?#"'<>]+)@[^\s@/"'<>]"#,
        Check::Always,
    ),
    // ---- assignments whose key names a secret ------------------------------
    rule(
        "line_assignment",
        "",
        KEY_FRAGMENTS,
        concat!(
            r#"(?m)^[ \t]*(?:export[ \t]+|declare -x[ \t]+|set[ \t]+|-[ \t]+)?(?:\\?["'])?"#,
            key!(),
            r#"(?:\\?["'])?[ \t]*(?:=|:[ \t])[ \t]*(?:"(?P<s1>(?:\\.|[^"\\\r\n])*)"|'(?P<s2>[^'\r\n]*)'|(?P<rest>[^\r\n]*))"#
        ),
        Check::KeyName,
    ),
    rule(
        "inline_assignment",
        "",
        KEY_FRAGMENTS,
        concat!(
            key!(),
            r#"(?:\\?["'])?\s*(?:=>|:=|=|:)\s*(?:\\"(?P<s1>(?:[^"\\]|\\[^"])*)\\"|"(?P<s2>(?:\\.|[^"\\\r\n])*)"|'(?P<s3>[^'\r\n]*)'|Some\("(?P<s4>(?:\\.|[^"\\\r\n])*)"\)|(?P<s5>[^\s,;}\])"'&<>:][^\s,;}\])"'&<>]*))"#
        ),
        Check::KeyName,
    ),
    rule(
        "cli_flag",
        "",
        KEY_FRAGMENTS,
        concat!(
            r#"(?:^|\s)--?"#,
            key!(),
            r#"(?:=|\s+)(?:"(?P<s1>(?:\\.|[^"\\\r\n])*)"|'(?P<s2>[^'\r\n]*)'|(?P<s3>[^\s"'\-][^\s"']*))"#
        ),
        Check::KeyName,
    ),
    rule(
        "xml_element",
        "",
        KEY_FRAGMENTS,
        r#"<(?P<key>[A-Za-z0-9_.:\-]*(?i:pass|pwd|secret|token|key|cred|auth|jwt|bearer)[A-Za-z0-9_.:\-]*)(?:\s[^>]*)?>(?P<s1>[^<\r\n]+)</"#,
        Check::KeyName,
    ),
    rule(
        "mysql_password_flag",
        "password",
        &[frag("mysql"), frag("mariadb")],
        r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\r\n]*?\s-p(?P<s1>[^\s\-][^\s]*)",
        Check::Always,
    ),
    rule(
        "sshpass_flag",
        "password",
        &[frag("sshpass")],
        r#"\bsshpass\s+-p\s*(?:"(?P<s1>[^"\r\n]*)"|'(?P<s2>[^'\r\n]*)'|(?P<s3>\S+))"#,
        Check::Always,
    ),
    // `.netrc`: tokens in any order, on one line or several.
    Rule {
        scope: Scope::Block,
        ..rule(
            "netrc_password",
            "password",
            &[frag("login"), frag("machine")],
            r"\b(?:login|machine)\s+\S+(?:\s+(?:login|account|port|machine)\s+\S+)*\s+password\s+(?P<s1>\S+)",
            Check::Always,
        )
    },
    // Dockerfile `ENV KEY value` (the form without `=`), also as build logs print it.
    rule(
        "dockerfile_env",
        "",
        KEY_FRAGMENTS,
        concat!(
            // At a line start, or after a classic (`Step 4/9 : `) or BuildKit
            // (`#8 [4/6] `) build step prefix.
            r#"(?m)^[ \t]*(?:Step \d+/\d+ : |#\d+ \[[^\]\r\n]*\] )?ENV[ \t]+"#,
            key!(),
            r#"[ \t]+(?:"(?P<s1>(?:\\.|[^"\\\r\n])*)"|'(?P<s2>[^'\r\n]*)'|(?P<rest>[^\s=][^\r\n]*))"#
        ),
        Check::KeyName,
    ),
    // ---- generic high-entropy strings in a secret-like context --------------
    rule(
        "high_entropy_in_context",
        "secret",
        CONTEXT_FRAGMENTS,
        r#"(?i:[a-z0-9_\-]*(?:key|secret|token|pass|pwd|cred|auth|sig|salt|hmac|bearer|session|private)[a-z0-9_\-]*)(?:["']?\s*(?:=>|:=|=|:)\s*|\s+(?:is\s+|was\s+|of\s+)?|\s*\(\s*)["'`]?(?P<s1>[A-Za-z0-9+/_\-.~]{16,}={0,2})"#,
        Check::Entropy,
    ),
    // ---- personal data -------------------------------------------------------
    Rule {
        gate: Gate::Emails,
        ..rule(
            "email",
            "email",
            &[frag("@")],
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b",
            Check::Email,
        )
    },
    Rule {
        gate: Gate::Ips,
        scope: Scope::Text,
        ..rule(
            "ipv4",
            "ip",
            &[],
            r"\b(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\b",
            Check::PublicIp,
        )
    },
    Rule {
        gate: Gate::Cards,
        scope: Scope::DigitRuns,
        ..rule(
            "card_number",
            "card_number",
            &[],
            r"\b[0-9](?:[ \-]?[0-9]){12,18}\b",
            Check::Luhn,
        )
    },
];

/// The names of the built-in rules, in table order.
pub fn rule_names() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|r| r.name)
}
