//! A password-like key in every common syntax is redacted: env and shell
//! (`export`, `set`, PowerShell, Dockerfile `ENV` with and without `=`),
//! CLI flags (`--password=` with URL escapes and punctuation, JVM `-D`
//! properties), property files, YAML, INI, TOML, JSON, XML attributes, URLs,
//! connection strings, `.netrc` (one line or several, any order), and keys
//! glued to their tool's name (`PGPASSWORD`, `MYSQL_ROOT_PASSWORD`) inside
//! brackets and quotes; plus age secret keys.

#![allow(
    clippy::print_stderr,
    reason = "each leak is printed before the assertion"
)]

use failtale_core::sanitize::{Redactions, RuleSanitizer, SanitizeConfig};
use failtale_core::stage::Sanitize;

#[test]
fn password_like_keys_are_redacted_in_every_syntax() {
    let s = RuleSanitizer::new(&SanitizeConfig::default()).unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "machine api.example.com login deploy password s3cr3tPassw0rd",
            "s3cr3tPassw0rd",
        ),
        (
            "machine api.example.com\n  login deploy\n  password s3cr3tPassw0rd",
            "s3cr3tPassw0rd",
        ),
        ("passwd: \"correct horse battery staple\"", "correct horse"),
        ("  pwd = 'my pass phrase here'", "my pass phrase"),
        ("db:\n  password: \"open sesame now\"", "open sesame"),
        (
            "identity: AGE-SECRET-KEY-1QQPQZRJ4V6GXUWNN7Z9X2NQ8E5PC6CTAK9YDPT3LYWXH7G3Q9YTSZ8D0RE",
            "AGE-SECRET-KEY-1QQPQZRJ4",
        ),
        (
            "java -Ddb.password=hunter2secret -jar app.jar",
            "hunter2secret",
        ),
        (
            "java -Dspring.datasource.password=hunter2secret -jar app.jar",
            "hunter2secret",
        ),
        ("spring.datasource.password=hunter2secret", "hunter2secret"),
        ("env: [PGPASSWORD=abc123xyzQ]", "abc123xyzQ"),
        (
            "args: [\"MYSQL_ROOT_PASSWORD=abc123xyzQ\", \"X=1\"]",
            "abc123xyzQ",
        ),
        ("export DB_PASS=abc123xyzQ", "abc123xyzQ"),
        (
            "docker run -e POSTGRES_PASSWORD=abc123xyzQ postgres",
            "abc123xyzQ",
        ),
        ("cmd --password=p%40ss+w#rd! next", "p%40ss+w#rd!"),
        ("cmd --password p%40ss+w#rd! next", "p%40ss+w#rd!"),
        (
            "<connection password=\"abc123xyzQ\" user=\"x\"/>",
            "abc123xyzQ",
        ),
        (
            "Server=db;User Id=sa;Password=abc123xyzQ;Database=x",
            "abc123xyzQ",
        ),
        ("{\"password\": \"abc 123 xyz\"}", "abc 123 xyz"),
        ("password = \"toml pass phrase\"", "toml pass phrase"),
        ("[client]\npassword=abc123xyzQ", "abc123xyzQ"),
        (
            "DB_PASSWORD='quoted pass with spaces'",
            "quoted pass with spaces",
        ),
        ("MYSQL_PWD=abc123xyzQ mysql -u root", "abc123xyzQ"),
        ("redis://:abc123xyzQ@localhost:6379/0", "abc123xyzQ"),
        ("set PASSWORD=abc123xyzQ", "abc123xyzQ"),
        ("$env:DB_PASSWORD = \"abc123xyzQ\"", "abc123xyzQ"),
        ("ENV DB_PASSWORD abc123xyzQ", "abc123xyzQ"),
        ("-Dpassword=abc123xyzQ", "abc123xyzQ"),
        ("db.pass = abc123xyzQ", "abc123xyzQ"),
        (
            "jdbc:postgresql://db/x?user=a&password=abc123xyzQ",
            "abc123xyzQ",
        ),
    ];
    let mut leaked = 0;
    for (text, secret) in cases {
        let out = s.sanitize(text, &mut Redactions::new());
        if out.contains(secret) {
            leaked += 1;
            eprintln!("LEAK: {text:?} -> {out:?}");
        }
    }
    assert_eq!(leaked, 0, "{leaked} of {} leaked", cases.len());
}
