#!/usr/bin/env python3
"""Extract the THIRD held-out Rust and C/C++ failure texts (group `rust-cpp`).

Sources (texts written by others; causes decided by reading the fixtures or the
issue threads, never by how the texts look):

  Repositories read from git mirrors ($FAILTALE_MIRRORS, default /work/.mirror):
  * snitch-org/snitch      tests/approval_tests/data/expected/reporter_*_default
                           and reporter_console_withcolor -- approved outputs of
                           the snitch console (plain + ANSI), TeamCity and
                           Catch2-XML reporters for the fixture
                           tests/testing_reporters.cpp (causes from that file)
  * cucumber-rs/cucumber   tests/libtest/correct.stdout, tests/junit/correct.xml,
                           tests/json/correct.json (libtest-JSON, JUnit and
                           Cucumber-JSON writers run on tests/features/wait with
                           the step fns of tests/{libtest,junit,json}.rs) and
                           tests/features/output/*.feature.{basic,colored}.out
                           (basic writer, plain + ANSI; step fns tests/output.rs)
  * LukasKalbertodt/libtest-mimic  expected outputs in tests/mixed_bag.rs and
                           tests/panic.rs (pretty and terse runs of one trial
                           list) and tests/json-output.json (JSON run)

  Files that could not be mirrored (rust-lang/rust and qt/qtbase are over the
  snapshot size limit) and issue-thread texts are read from
  $FAILTALE_EVAL_THIRD/manual/rust-cpp/ (first line = source, rest = the text):
  * rust-lang/rust  tests/ui/test-attrs/*.run.stdout (libtest console / JSON
                    output of failing #[test]s) and tests/ui/**/*.run.stderr of
                    run-fail programs (whole panic output of one program)
  * qt/qtbase       tests/auto/testlib/selftests/expected_<fixture>.{txt,tap,
                    junitxml} -- QTest plain, TAP and JUnit reporters for the
                    same selftest fixtures
  * <n>.txt         failure blocks copied from GitHub issue threads (URL on the
                    first line): libtest, googletest, ctest, CppUTest, Unity
                    and botan outputs; labels in THREADS below

No network, no builds.  Output: one JSON object per line in
$FAILTALE_EVAL_THIRD/rust-cpp.jsonl (default /work/cache/failtale-eval-third).
A missing mirror is reported as `fetch github:owner/name`.

Cause labels: the same failing check printed by several reporters = one cause;
tests that fail because of one shared thing (one helper that always throws,
one template instantiated for two types, one missing data directory, one
exhausted fd limit, ...) = one cause; different checks = different causes.
Test cases whose failure consists of several different checks are left out.
"""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
OUT_DIR = os.environ.get("FAILTALE_EVAL_THIRD", "/work/cache/failtale-eval-third")
OUT = os.path.join(OUT_DIR, "rust-cpp.jsonl")
MANUAL = os.path.join(OUT_DIR, "manual", "rust-cpp")

missing = []
records = []
ids = set()
_commits = {}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def gitdir(repo):
    return os.path.join(MIRRORS, repo.replace("/", "+"), "repo")


def have(repo):
    if os.path.isdir(gitdir(repo)):
        return True
    if repo not in missing:
        missing.append(repo)
        print("fetch github:%s" % repo)
    return False


def show(repo, path):
    if not have(repo):
        return None
    r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "show", "HEAD:" + path],
                       capture_output=True)
    if r.returncode != 0:
        print("cannot read %s:%s" % (repo, path), file=sys.stderr)
        return None
    return r.stdout.decode("utf-8", "replace")


def ls(repo, prefix):
    if not have(repo):
        return []
    r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "ls-tree", "-r", "--name-only",
                        "HEAD", prefix], capture_output=True, text=True)
    return [l for l in r.stdout.splitlines() if l]


def commit(repo):
    if repo not in _commits:
        r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "rev-parse", "HEAD"],
                           capture_output=True, text=True)
        _commits[repo] = r.stdout.strip()[:12]
    return _commits[repo]


def src(repo, path):
    return "%s@%s:%s" % (repo, commit(repo), path)


def add(id_, lang, runner, shape, source, cause, category, name, text,
        classname=None, file=None, type_=None):
    assert category in {"assertion", "panic", "timeout", "network", "resource", "permission",
                        "missing-file-or-config", "dependency", "database", "crash",
                        "concurrency", "flaky-infrastructure", "other"}, category
    if not text or not text.strip():
        print("empty text for %s" % id_, file=sys.stderr)
        return
    if id_ in ids:
        raise SystemExit("duplicate id " + id_)
    ids.add(id_)
    rec = {"id": id_, "lang": lang, "runner": runner, "shape": shape, "source": source,
           "cause": cause, "category": category, "name": name}
    if classname:
        rec["classname"] = classname
    if file:
        rec["file"] = file
    if type_:
        rec["type"] = type_
    rec["text"] = text
    records.append(rec)


def manual(name):
    """(source, text) of a manual file; the first line is the source."""
    p = os.path.join(MANUAL, name)
    if not os.path.exists(p):
        print("missing manual file %s" % p, file=sys.stderr)
        return None, None
    with open(p, encoding="utf-8") as f:
        data = f.read()
    first, _, rest = data.partition("\n")
    return first.strip(), rest


# ---------------------------------------------------------------------------
# snitch-org/snitch
# ---------------------------------------------------------------------------
SNITCH = "snitch-org/snitch"
SN_DIR = "tests/approval_tests/data/expected/"
SN_FIXTURE = "tests/testing_reporters.cpp"
# test case -> (cause key, category); decided from tests/testing_reporters.cpp
SN_CASES = {
    "test fail": ("test-fail", "assertion"),
    "test shouldfail good fail": ("shouldfail-good-fail-passed", "other"),
    "test no tags fail": ("test-no-tags-fail", "assertion"),
    # one templated lambda instantiated for <int, float>: one check, one cause
    "typed test no tags fail": ("typed-test-no-tags-fail", "assertion"),
    "typed test with tags fail": ("typed-test-with-tags-fail", "assertion"),
    "test fixture fail": ("test-fixture-fail", "assertion"),
    "test FAIL fail": ("test-FAIL-fail", "assertion"),
    "test expression fail": ("test-expression-fail", "assertion"),
    "test long expression fail": ("test-long-expression-fail", "assertion"),
    "test too long expression fail": ("test-too-long-expression-fail", "assertion"),
    "test too long message pass": ("test-too-long-message-pass", "assertion"),
    "test too long message fail": ("test-too-long-message-fail", "assertion"),
    "test NOTHROW fail": ("test-NOTHROW-fail", "assertion"),
    # these four call the helper throw_unexpectedly(), which always throws
    "test unexpected throw fail": ("throw_unexpectedly-helper", "panic"),
    "test unexpected throw in section fail": ("throw_unexpectedly-helper", "panic"),
    "test unexpected throw in check fail": ("throw_unexpectedly-helper", "panic"),
    "test unexpected throw in check & section fail": ("throw_unexpectedly-helper", "panic"),
    "test INFO": ("test-INFO", "assertion"),
    "test SECTION": ("test-SECTION", "assertion"),
}


def snitch_case(name):
    """'typed test no tags fail <int>' -> ('typed test no tags fail', '<int>')"""
    m = re.match(r"^(.*?) (<\w+>)$", name)
    if m and m.group(1) in SN_CASES:
        return m.group(1), m.group(2)
    return name, None


def snitch_console(fname, shape):
    text = show(SNITCH, SN_DIR + fname)
    if text is None:
        return
    blocks = []  # (status, testname, lines)
    cur = None
    for line in text.split("\n"):
        plain = ANSI.sub("", line)
        m = re.match(r'^(failed|allowed failure|expected failure|skipped): running test case "(.*)"$',
                     plain)
        if m:
            cur = [m.group(1), m.group(2), [line]]
            blocks.append(cur)
            continue
        if plain.startswith("=====") or not plain.startswith("          "):
            cur = None
            continue
        if cur is not None:
            cur[2].append(line)
    # group consecutive blocks of one test case (typed: also by "for type X")
    grouped = []
    for status, name, lines in blocks:
        typ = None
        for l in lines:
            mt = re.match(r"^\s+for type (\w+)$", ANSI.sub("", l))
            if mt:
                typ = mt.group(1)
        key = (name, typ)
        if grouped and grouped[-1][0] == key:
            grouped[-1][1].append((status, lines))
        else:
            grouped.append([key, [(status, lines)]])
    for (name, typ), parts in grouped:
        if name not in SN_CASES:
            continue
        if any(st != "failed" for st, _ in parts):
            continue
        cause, cat = SN_CASES[name]
        full = name + (" <%s>" % typ if typ else "")
        body = "\n".join("\n".join(ls_) for _, ls_ in parts) + "\n"
        add("third/snitch/%s/%s" % (fname, full), "cpp", "snitch", shape,
            src(SNITCH, SN_DIR + fname), "snitch/" + cause, cat, full, body,
            file=SN_FIXTURE)


def snitch_teamcity(fname):
    text = show(SNITCH, SN_DIR + fname)
    if text is None:
        return
    by = {}
    order = []
    for line in text.split("\n"):
        m = re.match(r"^##teamCity\[testFailed name='(.*?)' message=", line)
        if m:
            n = m.group(1)
            if n not in by:
                by[n] = []
                order.append(n)
            by[n].append(line)
    for n in order:
        base, typ = snitch_case(n)
        if base not in SN_CASES:
            continue
        cause, cat = SN_CASES[base]
        add("third/snitch/%s/%s" % (fname, n), "cpp", "snitch", "teamcity-service-message",
            src(SNITCH, SN_DIR + fname), "snitch/" + cause, cat, n, "\n".join(by[n]) + "\n",
            file=SN_FIXTURE)


def keep_attr_newlines(text):
    """XML parsers turn newlines inside attribute values into spaces; the
    runners wrote real newlines there, so encode them as &#10; first."""
    def fix_tag(m):
        return re.sub(r'"[^"]*"', lambda q: q.group(0).replace("\n", "&#10;"), m.group(0))
    return re.sub(r"<[^<>]*>", fix_tag, text)


def xml_unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def snitch_catch2_xml(fname):
    text = show(SNITCH, SN_DIR + fname)
    if text is None:
        return
    for m in re.finditer(r'(?ms)^  <TestCase name="([^"]*)".*?^  </TestCase>\n', text):
        block = m.group(0)
        if 'OverallResult success="false"' not in block:
            continue
        n = xml_unescape(m.group(1))
        base, typ = snitch_case(n)
        if base not in SN_CASES:
            continue
        cause, cat = SN_CASES[base]
        add("third/snitch/%s/%s" % (fname, n), "cpp", "snitch", "catch2-xml-testcase",
            src(SNITCH, SN_DIR + fname), "snitch/" + cause, cat, n, block, file=SN_FIXTURE)


def do_snitch():
    snitch_console("reporter_console_default", "snitch-console")
    snitch_console("reporter_console_withcolor", "snitch-console-color")
    snitch_teamcity("reporter_teamcity_default")
    snitch_catch2_xml("reporter_catch2_xml_default")


# ---------------------------------------------------------------------------
# cucumber-rs/cucumber
# ---------------------------------------------------------------------------
CUKE = "cucumber-rs/cucumber"


def cuke_wait_cause(feature_path, step_text, message):
    """Causes of tests/features/wait failures (step fn in tests/libtest.rs etc.:
    `assert!(world.0 < 4, "Too much!")`; no step fn matches `unknown`)."""
    if "Could not parse feature file" in message or "Failed to parse feature" in message:
        return "cucumber/wait/invalid.feature-unparsable", "other"
    if "Step doesn't match any function" in message:
        return "cucumber/wait/step-unknown-undefined", "other"
    if "Too much!" in message:
        return "cucumber/wait/step-fn-too-much-assert", "assertion"
    return None, None


def do_cucumber():
    # libtest JSON writer
    path = "tests/libtest/correct.stdout"
    text = show(CUKE, path)
    if text is not None:
        for line in text.split("\n"):
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            if ev.get("type") != "test" or ev.get("event") != "failed":
                continue
            cause, cat = cuke_wait_cause("", ev["name"], ev.get("stdout", ""))
            if cause is None:
                continue
            add("third/cucumber/libtest/%s" % ev["name"], "rust", "cucumber-rs", "libtest-json",
                src(CUKE, path), cause, cat, ev["name"], line + "\n", file="tests/libtest.rs")
    # JUnit writer
    path = "tests/junit/correct.xml"
    text = show(CUKE, path)
    if text is not None:
        root = ET.fromstring(keep_attr_newlines(text).encode("utf-8"))
        for suite in root.iter("testsuite"):
            for tc in suite.iter("testcase"):
                for fl in tc.findall("failure") + tc.findall("error"):
                    msg = fl.get("message", "")
                    cause, cat = cuke_wait_cause("", tc.get("name"), msg)
                    if cause is None:
                        continue
                    body = msg + "\n" + (fl.text or "")
                    add("third/cucumber/junit/%s/%s" % (suite.get("name"), tc.get("name")),
                        "rust", "cucumber-rs", "junit-xml-failure", src(CUKE, path), cause, cat,
                        tc.get("name"), body, classname=suite.get("name"),
                        file="tests/junit.rs", type_=fl.get("type"))
    # Cucumber JSON writer
    path = "tests/json/correct.json"
    text = show(CUKE, path)
    if text is not None:
        for feat in json.loads(text):
            for el in feat.get("elements", []):
                for st in el.get("steps", []):
                    res = st.get("result", {})
                    if res.get("status") not in ("failed", "undefined"):
                        continue
                    cause, cat = cuke_wait_cause(feat.get("uri"), st.get("name"),
                                                 res.get("error_message", ""))
                    if cause is None:
                        continue
                    nm = "%s: %s (line %s): %s %s" % (feat.get("uri"), el.get("name"),
                                                      el.get("line"), st.get("keyword", "").strip(),
                                                      st.get("name"))
                    add("third/cucumber/json/%s" % nm, "rust", "cucumber-rs", "cucumber-json-step",
                        src(CUKE, path), cause, cat, nm,
                        json.dumps(st, indent=2, ensure_ascii=False) + "\n",
                        classname=feat.get("uri"), file="tests/json.rs")
    # basic writer outputs of tests/output.rs (step fn: assert_eq!(w.0, num))
    base = "tests/features/output/"
    for p in ls(CUKE, base):
        m = re.match(r"^tests/features/output/(.+\.feature)\.(basic|colored)\.out$", p)
        if not m:
            continue
        feature, kind = m.group(1), m.group(2)
        text = show(CUKE, p)
        if text is None or "\u2718" not in ANSI.sub("", text):
            continue
        lines = text.split("\n")
        # scenario blocks: from a "  Scenario"/"  Scenario Outline" line to the next one
        starts = [i for i, l in enumerate(lines)
                  if re.match(r"^  (Scenario|Scenario Outline|Example)\b", ANSI.sub("", l))]
        for k, s in enumerate(starts):
            e = starts[k + 1] if k + 1 < len(starts) else len(lines)
            blk = lines[s:e]
            plain = "\n".join(ANSI.sub("", l) for l in blk)
            if "\u2718" not in plain:
                continue
            if "Step match is ambiguous" in plain:
                cause, cat = "cucumber/output/%s/ambiguous-step" % feature, "other"
            elif "Step panicked" in plain:
                cause, cat = "cucumber/output/%s/example-data-mismatch" % feature, "assertion"
            else:
                print("unclassified cucumber block in %s" % p, file=sys.stderr)
                continue
            sname = ANSI.sub("", blk[0]).strip()
            add("third/cucumber/output/%s.%s/%d" % (feature, kind, k), "rust", "cucumber-rs",
                "cucumber-basic-scenario" + ("-color" if kind == "colored" else ""),
                src(CUKE, p), cause, cat, "%s: %s #%d" % (feature, sname, k + 1),
                "\n".join(blk).rstrip("\n") + "\n", classname=feature, file="tests/output.rs")


# ---------------------------------------------------------------------------
# libtest console blocks (rust-lang/rust test-attrs + issue threads)
# ---------------------------------------------------------------------------
HDR = re.compile(r"^\t?(?:\s*\d+s )?---- (.+?) (stdout|stderr) ----\s*$")


def libtest_blocks(text):
    """[(test name, block text)] of the '---- name stdout ----' sections."""
    lines = text.split("\n")
    out = []
    cur = None
    for line in lines:
        m = HDR.match(line)
        if m:
            if cur is not None and cur[0] == m.group(1):
                cur[1].append(line)
                continue
            cur = [m.group(1), [line]]
            out.append(cur)
            continue
        if cur is not None:
            if line.strip() == "failures:":
                cur = None
                continue
            cur[1].append(line)
    res = []
    for name, ls_ in out:
        t = "\n".join(ls_).rstrip("\n") + "\n"
        res.append((name, t))
    return res


def rust_shape(t):
    if re.search(r"panicked at '", t):
        return "rust-panic-old"
    if re.search(r"panicked at [^'\n]+:\d+:\d+:\n", t):
        return "rust-panic-new"
    return "libtest-note"


RUST_TESTATTRS = {
    # file -> {test: (cause, category)}; decided from the .rs fixture next to it
    "rust-test-panic-abort.run.stdout": {
        "it_exits": ("rust-ui/test-panic-abort/it_exits-process-exit-123", "other"),
        "it_fails": ("rust-ui/test-panic-abort/it_fails-assert_eq", "assertion"),
    },
    "rust-test-thread-capture.run.stdout": {
        "thready_fail": ("rust-ui/test-thread-capture/thready_fail-panic", "panic"),
    },
    "rust-test-should-panic-failed-show-span.run.stdout": {
        "should_panic_with_any_message_does_not_panic":
            ("rust-ui/should-panic/any_message_does_not_panic", "assertion"),
        "should_panic_with_message_does_not_panic":
            ("rust-ui/should-panic/message_does_not_panic", "assertion"),
        "should_panic_with_substring_panics_with_incorrect_string":
            ("rust-ui/should-panic/incorrect_string", "assertion"),
        "should_panic_with_substring_panics_with_non_string_value":
            ("rust-ui/should-panic/non_string_value", "assertion"),
    },
    "rust-terse.run.stdout": {
        "abc": ("rust-ui/terse/abc-panic", "panic"),
        "foo": ("rust-ui/terse/foo-panic", "panic"),
        "foo2": ("rust-ui/terse/foo2-panic", "panic"),
    },
}

RUST_RUNFAIL = {
    # manual file -> (program name, cause category); each program = its own cause
    "rust-run-vec-overrun.run.stderr": ("vec-overrun", "panic"),
    "rust-run-dst-raw-slice.run.stderr": ("dst-raw-slice", "panic"),
    "rust-run-result-get-panic.run.stderr": ("result-get-panic", "panic"),
    "rust-run-panic-in-ffi.run.stderr": ("panic-in-ffi", "crash"),
    "rust-run-doublepanic.run.stderr": ("doublepanic", "panic"),
    "rust-run-binop-panic.run.stderr": ("binop-panic", "panic"),
    "rust-run-issue-65419-async-fn-resume-after-completion.run.stderr":
        ("issue-65419-async-fn-resume-after-completion", "panic"),
    "rust-run-panic-in-cleanup.run.stderr": ("panic-in-cleanup", "crash"),
    "rust-run-synchronized-panic-handler.run.stderr": ("synchronized-panic-handler", "panic"),
    "rust-run-panic-task-name-owned.run.stderr": ("panic-task-name-owned", "panic"),
    # failed assert!/assert_eq!/assert_ne!/assert_matches! in the program
    "rust-run-assert-eq-macro-msg.run.stderr": ("assert-eq-macro-msg", "assertion"),
    "rust-run-assert-eq-macro-panic.run.stderr": ("assert-eq-macro-panic", "assertion"),
    "rust-run-assert-eq-macro-vars.run.stderr": ("assert-eq-macro-vars", "assertion"),
    "rust-run-assert-long-condition.run.stderr": ("assert-long-condition", "assertion"),
    "rust-run-assert-matches-macro-msg.run.stderr": ("assert-matches-macro-msg", "assertion"),
    "rust-run-assert-ne-macro-msg.run.stderr": ("assert-ne-macro-msg", "assertion"),
    "rust-run-assert-ne-macro-panic.run.stderr": ("assert-ne-macro-panic", "assertion"),
    "rust-run-assert-macro-explicit.run.stderr": ("assert-macro-explicit", "assertion"),
    "rust-run-unimplemented-macro-panic.run.stderr": ("unimplemented-macro-panic", "panic"),
    "rust-run-unreachable-fmt-msg.run.stderr": ("unreachable-fmt-msg", "panic"),
    # arithmetic overflow / division by zero checks
    "rust-run-divide-by-zero.run.stderr": ("divide-by-zero", "panic"),
    "rust-run-location-add-overflow.run.stderr": ("location-add-overflow", "panic"),
    "rust-run-location-sub-overflow.run.stderr": ("location-sub-overflow", "panic"),
    "rust-run-overflowing-mul.run.stderr": ("overflowing-mul", "panic"),
    "rust-run-overflowing-neg-nonzero.run.stderr": ("overflowing-neg-nonzero", "panic"),
    "rust-run-mod-zero.run.stderr": ("mod-zero", "panic"),
    "rust-run-overflowing-pow-unsigned.run.stderr": ("overflowing-pow-unsigned", "panic"),
    # println! into a closed pipe
    "rust-run-println-with-broken-pipe.run.stderr": ("println-with-broken-pipe", "other"),
}


def do_rust_ui():
    for fname, tests in RUST_TESTATTRS.items():
        source, text = manual(fname)
        if text is None:
            continue
        rsfile = source.split(":", 1)[1].split(".run.")[0] + ".rs"
        for name, blk in libtest_blocks(text):
            if name not in tests:
                continue
            cause, cat = tests[name]
            add("third/rust-ui/%s/%s" % (fname, name), "rust", "libtest", rust_shape(blk),
                source, cause, cat, name, blk, file=rsfile)
    source, text = manual("rust-format-json.normal.run.stdout")
    if text is not None:
        # the expected file holds the JSON event with a literal (unescaped) newline
        m = re.search(r'(?ms)^\{ "type": "test", "name": "b", "event": "failed".*?" \}\n', text)
        if m:
            add("third/rust-ui/format-json.normal/b", "rust", "libtest", "libtest-json", source,
                "rust-ui/format-json/b-assert-false", "assertion", "b", m.group(0),
                file="tests/ui/test-attrs/format-json.rs")
    # --nocapture run of a failing #[test]: libtest lets the panic through to stderr
    source, text = manual("rust-test-thread-nocapture.run.stderr")
    if text is not None:
        add("third/rust-ui/test-thread-nocapture/thready_fail", "rust", "libtest", "rust-panic-new",
            source, "rust-ui/test-thread-nocapture/thready_fail-panic", "panic", "thready_fail",
            text, file="tests/ui/test-attrs/test-thread-nocapture.rs")
    for fname, (prog, cat) in RUST_RUNFAIL.items():
        source, text = manual(fname)
        if text is None:
            continue
        rsfile = source.split(":", 1)[1].split(".run.")[0] + ".rs"
        add("third/rust-run-fail/%s" % prog, "rust", "rust-bin", "rust-panic-new", source,
            "rust-ui/run-fail/" + prog, cat, prog, text, file=rsfile)


# ---------------------------------------------------------------------------
# qt/qtbase testlib selftests (txt / tap / junitxml of the same fixtures)
# ---------------------------------------------------------------------------
QT_CAUSES = {
    # fixture -> {function(tag) : category}; one cause per failing check
    "strcmp": {"compareByteArray()": "assertion", "failByteArray()": "assertion",
               "failByteArrayNull()": "assertion", "failByteArrayEmpty()": "assertion",
               "failByteArraySingleChars()": "assertion"},
    "exceptionthrow": {"throwException()": "panic"},
    "assert": {"testNumber2()": "crash"},          # Q_ASSERT(false) -> qFatal/abort
    "watchdog": {"delay()": "timeout"},            # QTest watchdog killed the function
    "fetchbogus": {"fetchBogus(foo)": "other"},    # QFETCH of a column that doesn't exist
    "failinit": {"initTestCase()": "assertion"},   # QVERIFY(false) in initTestCase
    "crashes_3": {"crash()": "crash"},             # SIGSEGV
    "faildatatype": {"value()": "other"},          # _data row of the wrong type
    # the .txt and the .tap come from two versions of this fixture: QVERIFY(false)
    # in cleanupTestCase() (old) / in cleanup() after aTestFunction() (new)
    "failcleanup": {"cleanupTestCase()": "assertion", "aTestFunction()": "assertion"},
    "failinitdata": {"initTestCase()": "assertion"},   # QVERIFY(false) in initTestCase
    "verifyexceptionthrown": {"testFailInt()": "assertion", "testFailStdString()": "assertion",
                              "testFailStdRuntimeError()": "assertion",
                              "testFailMyException()": "assertion",
                              "testFailMyDerivedException()": "assertion",
                              "testFailNoException()": "assertion"},
}
QT_FIXTURE_OF = {"crashes_3": "crashes"}
QT_TXT = re.compile(r"^(PASS   |FAIL!  |XFAIL  |XPASS  |SKIP   |QFATAL |QDEBUG |QWARN  |QINFO  |"
                    r"QSYSTEM|INFO   |WARNING|BPASS  |BFAIL  |BXPASS |BXFAIL |RESULT ): "
                    r"(tst_\w+)::(\w+\([^)]*\))(.*)$")


def qt_txt(fixture, source, text):
    groups = []
    for line in text.split("\n"):
        m = QT_TXT.match(line)
        if m:
            key = (m.group(2), m.group(3))
            if groups and groups[-1][0] == key and not line.startswith("PASS"):
                groups[-1][1].append(line)
            else:
                groups.append([key, [line]])
        elif line.startswith("   ") and groups:
            groups[-1][1].append(line)
        else:
            groups.append([None, []])
    for key, lines in groups:
        if key is None or not any(l.startswith("FAIL!") for l in lines):
            continue
        yield key[0], key[1], "\n".join(lines) + "\n"


def qt_tap(text):
    lines = text.split("\n")
    pending = []
    blocks = []
    i = 0
    seen_plan_header = False
    while i < len(lines):
        l = lines[i]
        if l.startswith("TAP version"):
            i += 1
            if i < len(lines) and lines[i].startswith("# tst_"):
                i += 1
            continue
        if l.startswith("ok "):
            pending = []
            i += 1
            continue
        m = re.match(r"^not ok \d+ - (.+?)(?: # (TODO|SKIP).*)?$", l)
        if m:
            blk = pending + [l]
            pending = []
            i += 1
            if i < len(lines) and lines[i] == "  ---":
                while i < len(lines):
                    blk.append(lines[i])
                    if lines[i] == "  ...":
                        i += 1
                        break
                    i += 1
            name, todo = m.group(1), m.group(2)
            if blocks and blocks[-1][0] == name:
                blocks[-1][1].extend(blk)
                blocks[-1][2].append(todo)
            else:
                blocks.append([name, blk, [todo]])
            continue
        if l.startswith("# ") and not re.match(r"^# (tests|pass|fail) \d+$", l):
            pending.append(l)
        i += 1
    for name, blk, todos in blocks:
        if all(t == "TODO" for t in todos):
            continue
        yield name, "\n".join(blk) + "\n"


def do_qt():
    for fixture, funcs in QT_CAUSES.items():
        fx = QT_FIXTURE_OF.get(fixture, fixture)
        cfile = "tests/auto/testlib/selftests/%s/tst_%s.cpp" % (fx, fx)
        for ext in ("txt", "tap", "junitxml"):
            fname = "qt-expected_%s.%s" % (fixture, ext)
            if not os.path.exists(os.path.join(MANUAL, fname)):
                continue
            source, text = manual(fname)
            if ext == "txt":
                items = [(cls + "::" + fn, fn, cls, t) for cls, fn, t in qt_txt(fixture, source, text)]
                shape = "qtest-txt"
            elif ext == "tap":
                items = [(n, n, None, t) for n, t in qt_tap(text)]
                shape = "qtest-tap"
            else:
                root = ET.fromstring(keep_attr_newlines(text).encode("utf-8"))
                items = []
                for tc in root.iter("testcase"):
                    fl = tc.find("failure")
                    if fl is None:
                        continue
                    tag = fl.get("tag")
                    fn = "%s(%s)" % (tc.get("name"), tag or "")
                    items.append((tc.get("name") + ("(%s)" % tag if tag else ""), fn,
                                  tc.get("classname") or root.get("name"),
                                  (fl.get("message", "") + "\n" + (fl.text or ""), fl.get("type"))))
                shape = "junit-xml-failure"
            for name, fn, cls, t in items:
                typ = None
                if isinstance(t, tuple):
                    t, typ = t
                if fn not in funcs:
                    print("unlabelled qt failure %s %s" % (fname, fn), file=sys.stderr)
                    continue
                add("third/qtest/%s/%s" % (fname, name), "cpp", "qtest", shape, source,
                    "qtest/%s/%s" % (fx, fn), funcs[fn], name, t, classname=cls, file=cfile,
                    type_=typ)


# ---------------------------------------------------------------------------
# issue threads (manual/rust-cpp/<n>.txt, first line = thread URL)
# ---------------------------------------------------------------------------
# n -> (kind, {test name: (cause, category)} or default (cause, category))
THREADS = {
    1: ("libtest", {"*": ("uutils-coreutils-4946/od-tests-permission-denied", "permission")}),
    2: ("libtest", {
        "cache::tests::test_get": ("ssh-vault-74/cache-dir-permission-denied", "permission"),
        "cache::tests::test_put": ("ssh-vault-74/cache-dir-permission-denied", "permission"),
        "vault::dio::tests::test_setup_io": ("ssh-vault-74/stdin-not-a-terminal", "other"),
    }),
    3: ("libtest", {
        "address::tests::resolver_args_google_dns": ("rustscan-690/no-network-in-sandbox", "network"),
        "address::tests::resolver_default_cloudflare": ("rustscan-690/no-network-in-sandbox", "network"),
    }),
    4: ("libtest", {"*": ("rust-teos-119/too-many-open-files", "resource")}),
    5: ("libtest", {"*": ("prose-core-client-121/too-many-open-files", "resource")}),
    6: ("libtest", {"*": ("sui-109/db-too-many-open-files", "resource")}),
    7: ("libtest", {"*": ("reth-7706/etl-too-many-open-files", "resource")}),
    8: ("libtest", {"*": ("zlib-rs-136/crc32-braid-big-endian", "assertion")}),
    9: ("libtest", {"*": ("crc32fast-5/s390x-big-endian", "assertion")}),
    10: ("libtest", {"*": ("git-interactive-rebase-tool-586/tmp-not-accessible", "permission")}),
    11: ("libtest", {"*": ("zbus-358/framing-offset-size-s390x", "assertion")}),
    12: ("libtest", {"*": ("image-gif-51/test-data-not-in-crate", "missing-file-or-config")}),
    13: ("libtest", {"*": ("nom-609/test-assets-not-in-crate", "missing-file-or-config")}),
    14: ("libtest", {"*": ("parity-wasm-224/test-files-not-in-crate", "missing-file-or-config")}),
    15: ("libtest", {"*": ("bhtsne-9/csv-data-files-missing", "missing-file-or-config")}),
    16: ("libtest", {"*": ("lofty-rs-150/ogg-test-files-missing", "missing-file-or-config")}),
    17: ("libtest", {"*": ("infer-54/testdata-not-in-crate", "missing-file-or-config")}),
    18: ("libtest", {"*": ("mp4parse-315/test-files-excluded", "missing-file-or-config")}),
    19: ("gtest", {"*": ("earthenterprise-15/dbroot-testdata-not-found", "missing-file-or-config")}),
    20: ("botan", {"*": ("botan-328/test-vector-paths-not-directories", "missing-file-or-config")}),
    21: ("ctest", {"*": ("xbmc-17442/gtest-executables-not-built", "missing-file-or-config")}),
    22: ("ctest", {"*": ("isis3-4864/msi2isis-tests-segfault", "crash")}),
    23: ("gtest", {"*": ("osquery-1009/http-server-not-ready-race", "concurrency")}),
    24: ("libtest", {"*": ("scylla-rust-driver-465/SCYLLA_URI-not-expanded", "missing-file-or-config")}),
    25: ("libtest", {"*": ("kbs2-124/no-config-dir-in-clean-chroot", "missing-file-or-config")}),
    26: ("libtest", {"*": ("uutils-coreutils-1138/chgrp-tests-run-as-root", "permission")}),
    27: ("libtest", {"*": ("loggerv-22/stdout-not-a-tty", "other")}),
    28: ("libtest", {"*": ("ripasso-200/HOME-not-writable", "missing-file-or-config")}),
    29: ("libtest", {"*": ("alt-30/env-var-shared-between-parallel-tests", "concurrency")}),
    30: ("libtest", {"*": ("streambed-rs-14/umask-0077", "permission")}),
    31: ("libtest", {"*": ("uutils-coreutils-4288/utc-offset-indeterminate-in-chroot",
                           "missing-file-or-config")}),
    32: ("libtest", {"*": ("tzfile-8/tzdata-2022b-changed", "dependency")}),
    33: ("libtest", {"*": ("moonfire-nvr-53/timezone-not-available-in-docker",
                           "missing-file-or-config")}),
    # different checks in different tests: one cause each
    34: ("cpputest", {"*": ("cpputest-169/{test}", "assertion")}),
    35: ("cpputest", {"*": ("cpputest-708/{test}", "assertion")}),
    36: ("cpputest", {"*": ("stm32template-3/{test}", "assertion")}),
    37: ("unity", {"*": ("unity-626/{test}", "assertion")}),
    38: ("unity", {"*": ("unity-259/{test}", "assertion")}),
    39: ("unity", {"*": ("unity-101/{test}", "assertion")}),
    40: ("libtest-slow", {"*": ("homeboy-13272/lab-runner-deadlock", "concurrency")}),
}


def cpputest_blocks(text):
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*\S+:\d+: error: Failure in TEST\((\w+), (\w+)\)", lines[i])
        if not m:
            i += 1
            continue
        blk = []
        if i > 0 and lines[i - 1].strip() == "TEST(%s, %s)" % (m.group(1), m.group(2)):
            blk.append(lines[i - 1])
        blk.append(lines[i])
        j = i + 1
        while j < len(lines):
            l = lines[j]
            if re.match(r"^\s*[.!]+\s*$", l) or l.startswith("Errors (") or \
                    re.match(r"^\s*TEST\(", l) or re.search(r"error: Failure in TEST", l):
                break
            blk.append(l)
            j += 1
            if re.match(r"^ - \d+ ms$", l):
                break
        while blk and not blk[-1].strip():
            blk.pop()
        out.append(("%s.%s" % (m.group(1), m.group(2)), "\n".join(blk) + "\n"))
        i = j
    return out


def unity_blocks(text):
    out = []
    for line in text.split("\n"):
        m = re.match(r"^(TEST\((\w+), (\w+)\)\S+:\d+:TEST\(\2, \3\):FAIL(?:: .*?)?)(?=TEST\(|$)",
                     line)
        if m:
            out.append(("%s.%s" % (m.group(2), m.group(3)), m.group(1) + "\n"))
            continue
        m = re.match(r"^\s*(\S+:\d+:(\w+):FAIL(?:: .*)?)$", line)
        if m:
            out.append((m.group(2), m.group(1) + "\n"))
    return out


def libtest_slow_lines(text):
    return [(m.group(1), m.group(0) + "\n") for m in
            re.finditer(r"(?m)^test (\S+) has been running for over 60 seconds$", text)]


def gtest_blocks(text):
    out = []
    cur = None
    for line in text.split("\n"):
        m = re.match(r"^\[ RUN      \] (\S+)", line)
        if m:
            cur = [m.group(1), [line]]
            continue
        if cur is not None:
            cur[1].append(line)
            m2 = re.match(r"^\[  FAILED  \] (\S+)", line)
            if m2 and m2.group(1) == cur[0]:
                out.append((cur[0], "\n".join(cur[1]) + "\n"))
                cur = None
            elif line.startswith("[       OK ]"):
                cur = None
    return out


def ctest_blocks(text):
    out = []
    cur = None
    for line in text.split("\n"):
        m = re.match(r"^\s+Start\s+\d+: (\S+)", line)
        if m:
            cur = [m.group(1), [line]]
            continue
        if cur is not None:
            cur[1].append(line)
            m2 = re.match(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) \.*\s*\*\*\*", line)
            if m2 and m2.group(1) == cur[0]:
                out.append((cur[0], "\n".join(cur[1]) + "\n"))
                cur = None
    return out


def botan_blocks(text):
    out = []
    lines = text.split("\n")
    for i, l in enumerate(lines):
        m = re.match(r"^(.+?) ran \d+ tests(?: in [\d.]+ msec)? \d+ FAILED$", l)
        if m:
            blk = [l]
            j = i + 1
            while j < len(lines) and lines[j].startswith("Failure "):
                blk.append(lines[j])
                j += 1
            out.append((m.group(1), "\n".join(blk) + "\n"))
    return out


def do_threads():
    for n, (kind, labels) in sorted(THREADS.items()):
        source, text = manual("%d.txt" % n)
        if text is None:
            continue
        if kind == "libtest":
            items = libtest_blocks(text)
            lang, runner = "rust", "libtest"
        elif kind == "gtest":
            items = gtest_blocks(text)
            lang, runner, shape = "cpp", "googletest", "gtest-console"
        elif kind == "ctest":
            items = ctest_blocks(text)
            lang, runner, shape = "cpp", "ctest", "ctest-console"
        elif kind == "cpputest":
            items = cpputest_blocks(text)
            lang, runner, shape = "cpp", "cpputest", "cpputest-console"
        elif kind == "unity":
            items = unity_blocks(text)
            lang, runner, shape = "c", "unity", "unity-line"
        elif kind == "libtest-slow":
            items = libtest_slow_lines(text)
            lang, runner, shape = "rust", "libtest", "libtest-slow-warning"
        else:
            items = botan_blocks(text)
            lang, runner, shape = "cpp", "botan-test", "botan-test-report"
        if not items:
            print("no blocks in thread file %d" % n, file=sys.stderr)
        for name, blk in items:
            lab = labels.get(name) or labels.get("*")
            if lab is None:
                continue
            cause, cat = lab
            cause = cause.replace("{test}", name)
            if kind == "libtest":
                shape = rust_shape(blk)
            slug = source.rstrip("/").split("github.com/")[-1]
            add("third/thread/%s/%s" % (slug, name), lang, runner, shape, source, cause, cat,
                name, blk)


# ---------------------------------------------------------------------------
# LukasKalbertodt/libtest-mimic: expected outputs inside tests/mixed_bag.rs and
# tests/panic.rs (several runs of one fixture list), plus tests/json-output.json
# ---------------------------------------------------------------------------
MIMIC = "LukasKalbertodt/libtest-mimic"
# trial -> category; the trials are defined in tests()/fn tests() of each file:
# Trial::test(name, || Err(msg)) fails with msg, Trial::test("panics", || panic!)
MIMIC_TRIALS = {
    'tests/mixed_bag.rs': {'"ups"': "assertion", "dog": "assertion", "bunny": "assertion",
                           "blue": "assertion", "green": "assertion", "owl": "assertion",
                           "bear": "assertion", "cyan": "assertion", "pink": "assertion"},
    'tests/panic.rs': {"panics": "panic"},
}
MIMIC_RUNS = {
    'tests/mixed_bag.rs': ["normal", "test_mode", "normal_include_ignored", "terse_output"],
    'tests/panic.rs': ["normal"],
}


def rust_multiline_literal(body):
    m = re.search(r'"\n(.*?)(?<!\\)"', body, re.S)
    if not m:
        return None
    t = m.group(1)
    t = re.sub(r"\\\n\s*", "", t)          # line continuation
    t = t.replace('\\"', '"').replace("\\\\", "\\")
    lines = t.split("\n")
    ind = min(len(l) - len(l.lstrip(" ")) for l in lines if l.strip())
    return "\n".join(l[ind:] if len(l) > ind else l.strip(" ") for l in lines).strip() + "\n"


def mimic_blocks(out):
    parts = out.split("\nfailures:\n")
    if len(parts) < 2:
        return []
    sect = parts[1]
    res = []
    for m in re.finditer(r"(?ms)^---- (.+?) ----\n(.*?)(?=^---- |\Z)", sect):
        res.append((m.group(1), ("---- %s ----\n" % m.group(1) + m.group(2)).rstrip("\n") + "\n"))
    return res


def do_mimic():
    for path, runs in MIMIC_RUNS.items():
        text = show(MIMIC, path)
        if text is None:
            continue
        for run in runs:
            m = re.search(r"(?ms)^fn %s\(\) \{\n(.*?)^\}\n" % run, text)
            if not m:
                print("libtest-mimic: no fn %s in %s" % (run, path), file=sys.stderr)
                continue
            out = rust_multiline_literal(m.group(1))
            if out is None:
                continue
            shape = "libtest-mimic-terse" if "terse" in run else "libtest-mimic-pretty"
            for name, blk in mimic_blocks(out):
                cat = MIMIC_TRIALS[path].get(name)
                if cat is None:
                    continue
                add("third/libtest-mimic/%s/%s/%s" % (path, run, name), "rust", "libtest-mimic",
                    shape, src(MIMIC, path), "libtest-mimic/%s/%s" % (path, name), cat, name, blk,
                    file=path)
    path = "tests/json-output.json"
    text = show(MIMIC, path)
    if text is not None:
        for line in text.split("\n"):
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            if ev.get("event") != "failed" or ev.get("type") != "test":
                continue
            name = ev["name"]
            cat = MIMIC_TRIALS["tests/mixed_bag.rs"].get(name)
            if cat is None:
                continue
            add("third/libtest-mimic/json-output/%s" % name, "rust", "libtest-mimic",
                "libtest-json", src(MIMIC, path), "libtest-mimic/tests/mixed_bag.rs/%s" % name, cat,
                name, line + "\n", file="tests/mixed_bag.rs")


# Threads the CI-log set (extract_third_ci_logs.py) also took texts from:
# they are kept there only, so one failure never carries two labels.
SHARED_WITH_CI_LOGS = {
    "https://github.com/Serial-ATA/lofty-rs/issues/150",
    "https://github.com/frjnn/bhtsne/issues/9",
    "https://github.com/paradigmxyz/reth/issues/7706",
    "https://github.com/MystenLabs/sui/issues/109",
    "https://github.com/bee-san/RustScan/issues/690",
    "https://github.com/dotboris/alt/issues/30",
}


def main():
    do_snitch()
    do_mimic()
    do_cucumber()
    do_rust_ui()
    do_qt()
    do_threads()
    os.makedirs(OUT_DIR, exist_ok=True)
    records[:] = [r for r in records if r["source"] not in SHARED_WITH_CI_LOGS]
    with open(OUT, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %d records to %s" % (len(records), OUT))
    if missing:
        print("missing mirrors: " + ", ".join(missing))


if __name__ == "__main__":
    main()
