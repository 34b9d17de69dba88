#!/usr/bin/env python3
"""Build the Rust part of the failtale evaluation set from real failure texts.

No network.  Reads bare git mirrors under $FAILTALE_MIRRORS (default
/work/.mirror, layout <owner>+<name>/repo or <owner>+<name>/repo/.git) and
hand-collected texts from issue threads under
$FAILTALE_EVAL/manual/rust/*.txt (default /work/cache/failtale-eval).
Writes $FAILTALE_EVAL/rust.jsonl and nothing else.

When a mirror is missing the script prints the `fetch github:owner/name`
needed and skips that source.

Manual file format:
    # source: <url>
    @@@ name=<test> | cause=<label> | category=<cat> | shape=<shape> | runner=<runner> [| classname=..] [| truncated=yes]
    <verbatim failure text>
    @@@ ...
Text runs up to the next `@@@` line; one trailing newline is stripped.
"""

import html
import json
import os
import re
import subprocess
import sys

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
EVAL_DIR = os.environ.get("FAILTALE_EVAL", "/work/cache/failtale-eval")
OUT = os.path.join(EVAL_DIR, "rust.jsonl")
MANUAL_DIR = os.path.join(EVAL_DIR, "manual", "rust")

CATEGORIES = {
    "assertion", "panic", "timeout", "network", "resource", "permission",
    "missing-file-or-config", "dependency", "database", "crash",
    "concurrency", "flaky-infrastructure", "other",
}

missing_mirrors = []
records = []
seen_ids = set()


# --------------------------------------------------------------------------
# git helpers

def git_dir(repo):
    base = os.path.join(MIRRORS, repo.replace("/", "+"))
    for cand in (os.path.join(base, "repo", ".git"), os.path.join(base, "repo")):
        if os.path.isfile(os.path.join(cand, "HEAD")):
            return cand
    if repo not in missing_mirrors:
        missing_mirrors.append(repo)
        print(f"missing mirror: fetch github:{repo}", file=sys.stderr)
    return None


def git(gd, *args):
    r = subprocess.run(["git", "--git-dir", gd, *args], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", "replace")


def show(gd, rev, path):
    return git(gd, "show", f"{rev}:{path}")


def short(gd, rev):
    out = git(gd, "rev-parse", "--short=8", rev)
    return out.strip() if out else rev[:8]


def commits_touching(gd, *paths):
    out = git(gd, "log", "--all", "--format=%H", "--", *paths) or ""
    return [c for c in out.split() if c]


def ls(gd, rev="HEAD"):
    out = git(gd, "ls-tree", "-r", "--name-only", rev) or ""
    return out.splitlines()


# --------------------------------------------------------------------------
# record helper

def add(id_, *, runner, shape, source, cause, category, name, text,
        classname=None, file=None, type_=None, truncated=False):
    assert category in CATEGORIES, (id_, category)
    base, n = id_, 2
    while id_ in seen_ids:
        id_ = f"{base}~{n}"
        n += 1
    seen_ids.add(id_)
    rec = {
        "id": id_,
        "lang": "rust",
        "runner": runner,
        "shape": shape,
        "source": source,
        "cause": cause,
        "category": category,
        "name": name,
    }
    if classname:
        rec["classname"] = classname
    if file:
        rec["file"] = file
    if type_:
        rec["type"] = type_
    rec["text"] = text
    if truncated:
        rec["truncated"] = True
    records.append(rec)


def panic_shape(text):
    if re.search(r"panicked at '", text):
        return "rust-panic-old"
    if re.search(r"panicked at [^'\n]+:(?:\d+:\d+|LL:CC):\n", text):
        return "rust-panic-new"
    return "rust-panic-other"


# --------------------------------------------------------------------------
# nextest: JUnit fixtures across history

JUNIT_FILES = ["fixtures/nextest-tests-junit.xml", "fixtures/fixture-project-junit.xml"]


def nextest_junit():
    repo = "nextest-rs/nextest"
    gd = git_dir(repo)
    if not gd:
        return
    seen_text = set()
    for path in JUNIT_FILES:
        for c in reversed(commits_touching(gd, path)):
            xml = show(gd, c, path)
            if not xml:
                continue
            sc = short(gd, c)
            for m in re.finditer(r'<testcase name="([^"]+)" classname="([^"]+)"(.*?)</testcase>', xml, re.S):
                tname, cls, body = m.group(1), m.group(2), m.group(3)
                idx = 0
                for em in re.finditer(
                        r'<(failure|rerunFailure|flakyFailure)([^>]*?)(/>|>(.*?)</\1>)', body, re.S):
                    kind, inner = em.group(1), em.group(4) or ""
                    # Failure body = text before nested <system-out>/<system-err>.
                    msg = re.split(r"\s*<system-(?:out|err)>", inner, maxsplit=1)[0]
                    if not msg.strip():
                        se = re.search(r"<system-err>(.*?)</system-err>", inner, re.S)
                        if not se:
                            se = re.search(r"<system-err>(.*?)</system-err>", body[em.end():], re.S)
                        if not se:
                            continue
                        msg = se.group(1)
                        shape_extra = "-system-err"
                    else:
                        shape_extra = ""
                    text = html.unescape(msg).rstrip("\n")
                    key = (tname, kind, text)
                    if key in seen_text:
                        continue
                    seen_text.add(key)
                    idx += 1
                    if tname == "test_failure_assert":
                        cause, cat = "rust/nextest-fixture/test_failure_assert-4-vs-5", "assertion"
                    else:
                        cause, cat = f"rust/nextest-fixture/{tname}-fails-until-attempt-mod", "assertion"
                        if "assert" not in text:
                            cat = "panic"
                    add(f"rust/nextest/junit/{sc}/{tname}/{kind}/{idx}",
                        runner="nextest", shape=f"nextest-junit-{kind}{shape_extra}",
                        source=f"{repo}@{sc}:{path}#{tname}/{kind}[{idx}]",
                        cause=cause, category=cat, name=tname, classname=cls,
                        type_="test failure", text=text)


# --------------------------------------------------------------------------
# nextest: rendered terminal output in the docs site (ANSI kept)

STATUS_RE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\s*(TRY \d+ FAIL|FAIL|TIMEOUT|LEAK-FAIL|SIGSEGV|SIGABRT|ABORT)(?:\x1b\[0m)?\s*\[")
ANY_STATUS_RE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\s*(TRY \d+ (?:PASS|FAIL)|PASS|FAIL|TIMEOUT|LEAK-FAIL|LEAK|SLOW|TERMINATING|FLAKY[^\x1b]*|Summary|SIGSEGV|SIGABRT|ABORT|Starting|Nextest run)(?:\x1b\[0m)?\s")
SEP = "\u2500" * 6


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\", "", s)


def nextest_site_outputs():
    repo = "nextest-rs/nextest"
    gd = git_dir(repo)
    if not gd:
        return
    files = ["site/src/outputs/flaky-output.ansi", "site/src/outputs/timeout-output.ansi",
             "site/src/outputs/leak-fail.ansi"]
    seen_text = set()
    for path in files:
        for c in reversed(commits_touching(gd, path)):
            data = show(gd, c, path)
            if not data:
                continue
            sc = short(gd, c)
            lines = data.split("\n")
            i = 0
            summary_seen = False
            while i < len(lines):
                ln = lines[i]
                plain = strip_ansi(ln)
                if re.match(r"^\s*Summary\s", plain):
                    summary_seen = True
                m = STATUS_RE.match(ln)
                if not m:
                    i += 1
                    continue
                j = i + 1
                while j < len(lines):
                    p = strip_ansi(lines[j])
                    if ANY_STATUS_RE.match(lines[j]) or p.startswith(SEP) or p.startswith("------------"):
                        break
                    j += 1
                block = "\n".join(lines[i:j]).rstrip("\n")
                status = m.group(1)
                tm = re.search(r"\]\s+(?:\(\S+\)\s+)?(\S+)\s+(\S+)\s*$", plain)
                binid, tname = (tm.group(1), tm.group(2)) if tm else ("", "")
                tname = strip_ansi(tname)
                where = "summary" if summary_seen else "live"
                key = (status, block)
                i = j
                if key in seen_text:
                    continue
                seen_text.add(key)
                if status == "TIMEOUT":
                    cause, cat = "rust/nextest-fixture/test_slow_timeout-sleeps-past-timeout", "timeout"
                elif status == "LEAK-FAIL":
                    cause, cat = "rust/nextest-fixture/subprocess-leaks-handles", "resource"
                else:
                    cause, cat = f"rust/nextest-fixture/{tname.split('::')[-1]}-fails-until-attempt-mod", "assertion"
                    if "assert" not in block:
                        cat = "panic"
                add(f"rust/nextest/site/{os.path.basename(path)}/{sc}/{where}/{status.replace(' ', '')}",
                    runner="nextest", shape=f"nextest-{status.split()[-1].lower()}-block",
                    source=f"{repo}@{sc}:{path}#{where}:{status}",
                    cause=cause, category=cat, name=tname, classname=binid, text=block)


# --------------------------------------------------------------------------
# nextest: real panic outputs embedded in unit tests of its output heuristics

def nextest_heuristic_inputs():
    repo = "nextest-rs/nextest"
    gd = git_dir(repo)
    if not gd:
        return
    path = "nextest-runner/src/reporter/error_description.rs"
    src = show(gd, "HEAD", path)
    sc = short(gd, "HEAD")
    if src:
        m = re.search(r"(---- test_failure_should_panic stdout ----\nnote: test did not panic as expected)", src)
        if m:
            add("rust/nextest/heuristic/should_panic", runner="libtest", shape="should-panic-did-not-panic",
                source=f"{repo}@{sc}:{path}#test_heuristic_should_panic",
                cause="rust/nextest-fixture/test_failure_should_panic-does-not-panic",
                category="assertion", name="test_failure_should_panic", text=m.group(1))
        m = re.search(r"(Error: Custom \{ kind: InvalidData, error: \"this is an error\" \}\nthread 'test_result_failure'.*?display a backtrace)", src, re.S)
        if m:
            add("rust/nextest/heuristic/test_result_failure", runner="libtest", shape="libtest-termination-nonzero",
                source=f"{repo}@{sc}:{path}#test_heuristic_panic_message[2]",
                cause="rust/nextest-fixture/test_result_failure-returns-err-invalid-data",
                category="other", name="test_result_failure", text=m.group(1))
        # The two backtrace variants (RUST_BACKTRACE=1 and =full) of one test.
        for k, m in enumerate(re.finditer(
                r"r\"(thread 'reporter::helpers::tests::test_heuristic_stack_trace' panicked at .*?)\n(?:more text|some more text)",
                src, re.S)):
            add(f"rust/nextest/heuristic/stack_trace/{k}", runner="libtest", shape="rust-panic-new-backtrace",
                source=f"{repo}@{sc}:{path}#test_heuristic_panic_message[stack{k}]",
                cause="rust/nextest/test_heuristic_stack_trace-deliberate-panic-test",
                category="panic", name="reporter::helpers::tests::test_heuristic_stack_trace",
                text=m.group(1))
    # libtest-json structured reporter: stdout of a failing test (tame-index).
    path = "nextest-runner/src/reporter/structured/snapshots/nextest_runner__reporter__structured__libtest__test__strips_human_output.snap"
    snap = show(gd, "HEAD", path)
    if snap:
        body = snap.split("---\n", 2)[-1].rstrip("\n")
        text = body.replace("\\n", "\n").replace('\\"', '"').rstrip("\n")
        add("rust/nextest/libtest-json/strips_human_output", runner="libtest",
            shape="libtest-json-stdout-backtrace",
            source=f"{repo}@{sc}:{path}",
            cause="rust/tame-index/download_url_crates_io-oh-no", category="panic",
            name="index::test::download_url_crates_io", text=text)


# --------------------------------------------------------------------------
# proptest: README and book show real shrinking output (several versions)

def proptest_docs():
    repo = "proptest-rs/proptest"
    gd = git_dir(repo)
    if not gd:
        return
    paths = ["proptest/README.md", "README.md", "book/src/proptest/getting-started.md",
             "proptest/src/lib.rs", "src/lib.rs"]
    seen_text = set()
    for path in paths:
        for c in reversed(commits_touching(gd, path)):
            data = show(gd, c, path)
            if not data or "minimal failing input" not in data:
                continue
            sc = short(gd, c)
            for m in re.finditer(r"```text\n((?:thread|//! thread)(?:(?!```).)*?minimal failing input:.*?)\n(?://! )?```", data, re.S):
                text = re.sub(r"^//! ?", "", m.group(1), flags=re.M)
                if text in seen_text:
                    continue
                seen_text.add(text)
                if "dateparser_v2" in text or "left == right" in text:
                    cause, cat = "rust/proptest-book/dateparser_v2-month-not-parsed", "assertion"
                else:
                    cause, cat = "rust/proptest-book/parse_date-slices-non-char-boundary", "panic"
                add(f"rust/proptest/docs/{sc}/{os.path.basename(path)}/{len(seen_text)}",
                    runner="proptest", shape="proptest-shrink-" + panic_shape(text).split("-")[-1],
                    source=f"{repo}@{sc}:{path}#L{data[:m.start()].count(chr(10)) + 1}",
                    cause=cause, category=cat, name="main", text=text)


# --------------------------------------------------------------------------
# pretty_assertions: exact panic payloads pinned by its own should_panic tests

def pretty_assertions_tests():
    repo = "rust-pretty-assertions/rust-pretty-assertions"
    gd = git_dir(repo)
    if not gd:
        return
    paths = ["pretty_assertions/tests/macros.rs", "tests/macros.rs"]
    seen_text = set()
    for path in paths:
        for c in reversed(commits_touching(gd, path)):
            data = show(gd, c, path)
            if not data:
                continue
            sc = short(gd, c)
            mod = ""
            for m in re.finditer(r'(?:^mod (\w+)|#\[should_panic\(expected = r#"(.*?)"#\)\]\s*fn (\w+))', data, re.S | re.M):
                if m.group(1):
                    mod = m.group(1)
                    continue
                text, fn = m.group(2), m.group(3)
                key = (mod, fn, text)
                if key in seen_text:
                    continue
                seen_text.add(key)
                add(f"rust/pretty_assertions/{sc}/{mod}/{fn}",
                    runner="libtest", shape="pretty-assertions-diff",
                    source=f"{repo}@{sc}:{path}#{mod}::{fn}",
                    cause=f"rust/pretty_assertions-tests/{mod}::{fn}-values-differ",
                    category="assertion", name=f"{mod}::{fn}", text=text)


# --------------------------------------------------------------------------
# miri: expected stderr of run-fail tests, old and new panic formats

MIRI_REVS = ["5a5c17d90", "ccfedcf20", "HEAD"]


def miri_run_fail():
    repo = "rust-lang/miri"
    gd = git_dir(repo)
    if not gd:
        return
    for rev in MIRI_REVS:
        sc = short(gd, rev)
        for path in ls(gd, rev):
            if not re.match(r"^tests/(panic|fail/panic)/.*\.stderr$", path):
                continue
            text = show(gd, rev, path)
            if not text or "panicked" not in text:
                continue
            text = text.strip("\n")
            test = re.sub(r"(\.[a-z_]+)?\.stderr$", ".rs", path)
            low = text.lower()
            if "internal compiler error" in low:
                cat = "panic"
            elif "abort" in low or "non-unwinding" in low or "abnormal termination" in low:
                cat = "crash"
            elif "unsupported operation" in low or "can't call foreign function" in low:
                cat = "other"
            else:
                cat = "panic"
            add(f"rust/miri/{sc}/{path}", runner="ui_test", shape=panic_shape(text),
                source=f"{repo}@{sc}:{path}",
                cause=f"rust/miri-tests/{test}", category=cat, name=test, file=test, text=text)



# --------------------------------------------------------------------------
# cargo2junit: real `cargo test -- --format json` event streams and the JUnit
# it renders from them (same failures in two shapes)

C2J_CAUSES = {
    "aaa_trigger_cross_compile_disabled_check": ("rust/cargo-testsuite/i686-pc-windows-msvc-target-not-installed", "dependency"),
    "build_auth::http_auth_offered": ("rust/cargo-testsuite/http_auth_offered-credential-helper-message-differs", "assertion"),
    "tests::fails": ("rust/cargo2junit-fixture/tests-fails-4-vs-3", "assertion"),
    "src/lib.rs - foo (line 7)": ("rust/cargo2junit-fixture/doctest-foo-1-vs-2", "assertion"),
}


def cargo2junit_fixtures():
    repo = "johnterickson/cargo2junit"
    gd = git_dir(repo)
    if not gd:
        return
    sc = short(gd, "HEAD")
    for path in ls(gd):
        if path.startswith("src/test_inputs/") and path.endswith(".json"):
            data = show(gd, "HEAD", path) or ""
            for ln_no, line in enumerate(data.splitlines(), 1):
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("type") != "test" or ev.get("event") != "failed":
                    continue
                tname = ev.get("name", "")
                if tname not in C2J_CAUSES:
                    print(f"cargo2junit: unlabelled {path}:{ln_no} {tname}", file=sys.stderr)
                    continue
                cause, cat = C2J_CAUSES[tname]
                add(f"rust/cargo2junit/{sc}/{os.path.basename(path)}/{tname}",
                    runner="libtest", shape="libtest-json-event",
                    source=f"{repo}@{sc}:{path}#L{ln_no}", cause=cause, category=cat,
                    name=tname, text=line)
        elif path.startswith("src/expected_outputs/") and path.endswith(".out"):
            data = show(gd, "HEAD", path) or ""
            for m in re.finditer(r'<testcase name="([^"]*)" time="[^"]*"(?: classname="([^"]*)")?>\s*'
                                 r'<failure type="([^"]*)" message="([^"]*)"><!\[CDATA\[(.*?)\]\]></failure>', data, re.S):
                tname, cls, ftype, msg, body = m.groups()
                full = f"{cls}::{tname}" if cls else tname
                if full not in C2J_CAUSES:
                    print(f"cargo2junit: unlabelled {path} {full}", file=sys.stderr)
                    continue
                cause, cat = C2J_CAUSES[full]
                shape = "junit-failure-cdata-truncated" if "[...TRUNCATED...]" in body else "junit-failure-cdata"
                add(f"rust/cargo2junit/{sc}/{os.path.basename(path)}/{full}",
                    runner="cargo2junit", shape=shape,
                    source=f"{repo}@{sc}:{path}#{full}", cause=cause, category=cat,
                    name=tname, classname=cls or None, type_=ftype, text=body.rstrip("\n"))


# --------------------------------------------------------------------------
# a nextest JUnit report kept as a test fixture by a JUnit reporting action

def junit_reporter_fixture():
    repo = "mikepenz/action-junit-report"
    gd = git_dir(repo)
    if not gd:
        return
    path = "test_results/nextest/basic.xml"
    xml = show(gd, "HEAD", path)
    if not xml:
        return
    sc = short(gd, "HEAD")
    for m in re.finditer(r'<testcase name="([^"]+)" classname="([^"]+)"[^>]*>\s*<failure type="([^"]*)">(.*?)</failure>', xml, re.S):
        tname, cls, ftype, body = m.groups()
        add(f"rust/action-junit-report/{sc}/nextest-basic/{tname}", runner="nextest",
            shape="nextest-junit-failure-reindented", source=f"{repo}@{sc}:{path}#{tname}",
            cause="rust/oxidized_navigation/test_failure-0-must-equal-1", category="assertion",
            name=tname, classname=cls, type_=ftype, text=html.unescape(body))

# --------------------------------------------------------------------------
# hand-collected texts from issue threads

def manual():
    if not os.path.isdir(MANUAL_DIR):
        print(f"no manual dir {MANUAL_DIR}", file=sys.stderr)
        return
    for fn in sorted(os.listdir(MANUAL_DIR)):
        if not fn.endswith(".txt"):
            continue
        with open(os.path.join(MANUAL_DIR, fn), encoding="utf-8") as f:
            content = f.read()
        lines = content.split("\n")
        if not lines[0].startswith("# source: "):
            print(f"skip {fn}: no source header", file=sys.stderr)
            continue
        url = lines[0][len("# source: "):].strip()
        blocks = re.split(r"^@@@ ", "\n".join(lines[1:]), flags=re.M)
        for k, blk in enumerate(b for b in blocks if b.strip()):
            header, _, text = blk.partition("\n")
            meta = {}
            for part in header.split(" | "):
                key, _, val = part.partition("=")
                meta[key.strip()] = val.strip()
            if text.endswith("\n"):
                text = text[:-1]
            stem = fn[:-4]
            add(f"rust/issues/{stem}/{k + 1:03d}",
                runner=meta.get("runner", "libtest"), shape=meta["shape"],
                source=f"{url}#{k + 1}", cause=meta["cause"], category=meta["category"],
                name=meta["name"], classname=meta.get("classname"), file=meta.get("file"),
                text=text, truncated=meta.get("truncated") == "yes")


def main():
    nextest_junit()
    nextest_site_outputs()
    nextest_heuristic_inputs()
    proptest_docs()
    pretty_assertions_tests()
    miri_run_fail()
    cargo2junit_fixtures()
    junit_reporter_fixture()
    manual()
    os.makedirs(EVAL_DIR, exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, OUT)
    causes = {}
    for r in records:
        causes.setdefault(r["cause"], 0)
        causes[r["cause"]] += 1
    multi = sum(1 for v in causes.values() if v >= 2)
    print(f"wrote {len(records)} texts, {len(causes)} causes ({multi} with >=2) to {OUT}")
    if missing_mirrors:
        print("missing mirrors: " + ", ".join(f"fetch github:{m}" for m in missing_mirrors))


if __name__ == "__main__":
    main()
