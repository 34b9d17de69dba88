#!/usr/bin/env python3
"""Extract real, third-party test-failure texts (JVM, Go, Python) into the
failtale evaluation set /work/cache/failtale-eval/jvm-go-python.jsonl.

No network access.  Inputs:
  * bare git mirrors under $FAILTALE_MIRRORS (default /work/.mirror), laid out
    as <owner>+<name>/repo (as created by `fetch github:<owner>/<name>`);
  * the shared JUnit corpus under $FAILTALE_CORPUS (default /work/shared/corpus);
  * texts copied by hand from public issue threads, under
    /work/cache/failtale-eval/manual/jvm-go-python/*.txt (first line:
    "# source: <URL>", then header lines "# key: value", then a line "---",
    then the text).

Labels ("cause", "category") are assigned by hand: each extractor gives a
default cause (one per test) and a first-guess category, and the tables
CAUSE_OVERRIDES / CATEGORY_OVERRIDES below record the human decisions made
while reading every text.
"""
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
CORPUS = os.environ.get("FAILTALE_CORPUS", "/work/shared/corpus")
OUTDIR = os.environ.get("FAILTALE_EVAL", "/work/cache/failtale-eval")
MANUAL = os.path.join(OUTDIR, "manual", "jvm-go-python")
OUT = os.path.join(OUTDIR, "jvm-go-python.jsonl")

MISSING = []
RECORDS = []
IDS = set()


# --------------------------------------------------------------------------
# git helpers
def gitdir(repo):
    d = os.path.join(MIRRORS, repo.replace("/", "+"), "repo")
    if os.path.isdir(os.path.join(d, ".git")):
        d = os.path.join(d, ".git")
    if not os.path.isdir(d):
        if repo not in MISSING:
            MISSING.append(repo)
        return None
    return d


_short = {}


def short_commit(repo):
    if repo not in _short:
        d = gitdir(repo)
        _short[repo] = subprocess.run(
            ["git", "--git-dir", d, "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, check=True).stdout.strip()
    return _short[repo]


def ls(repo, prefix=""):
    d = gitdir(repo)
    if d is None:
        return []
    out = subprocess.run(["git", "--git-dir", d, "ls-tree", "-r", "HEAD", "--name-only"],
                         capture_output=True, text=True, check=True).stdout
    return [p for p in out.splitlines() if p.startswith(prefix)]


def show(repo, path):
    d = gitdir(repo)
    if d is None:
        return None
    r = subprocess.run(["git", "--git-dir", d, "show", "HEAD:" + path], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", "replace")


def src(repo, path, loc):
    return "%s@%s:%s#%s" % (repo, short_commit(repo), path, loc)


# --------------------------------------------------------------------------
# first-guess category (every result was then read and corrected by hand via
# CATEGORY_OVERRIDES)
def guess_category(text):
    t = text
    rules = [
        ("resource", r"OutOfMemoryError|out of memory|cannot allocate memory|MemoryError|No space left on device|ENOSPC|too many open files|GC overhead"),
        ("timeout", r"test timed out|TimeoutException|Timeout >|timed out after|TimeoutError|deadline exceeded"),
        ("concurrency", r"WARNING: DATA RACE|race detected|all goroutines are asleep - deadlock|ConcurrentModificationException"),
        ("database", r"PSQLException|OperationalError|IntegrityError|pq: |SQLException|deadlock detected|duplicate key value"),
        ("dependency", r"ModuleNotFoundError|No module named|ImportError|NoClassDefFoundError|ClassNotFoundException|cannot find package|no required module provides|missing go.sum entry"),
        ("permission", r"[Pp]ermission denied|EACCES|AccessDeniedException|PermissionError"),
        ("network", r"Connection refused|ConnectException|ECONNREFUSED|connection reset|UnknownHostException|no such host|ConnectionError"),
        ("missing-file-or-config", r"FileNotFoundError|FileNotFoundException|no such file or directory|NoSuchFileException|KeyError: '[A-Z_]+'"),
        ("crash", r"SIGSEGV|segmentation violation|Segmentation fault|SIGABRT|core dumped"),
        ("panic", r"^panic: |\npanic: |NullPointerException|IndexOutOfBounds|AttributeError|TypeError|NameError|ZeroDivisionError|ArithmeticException|IndexError|KeyError|RuntimeException|nil pointer"),
        ("assertion", r"AssertionError|AssertionFailedError|assert |expected|Expected|Error Trace|Not equal|want|got"),
    ]
    for cat, rx in rules:
        if re.search(rx, t):
            return cat
    if re.search(r"^\s*([\w/#.+-]+: )?\w+_test\.go:\d+: ", t, re.M):
        return "assertion"  # t.Error/t.Errorf/t.Fatal message of a Go test
    return "other"


def add(rec):
    rid = rec["id"]
    n = 2
    while rid in IDS:
        rid = "%s~%d" % (rec["id"], n)
        n += 1
    rec["id"] = rid
    IDS.add(rid)
    if not rec.get("text", "").strip():
        IDS.discard(rid)
        return
    rec.setdefault("category", guess_category(rec["text"]))
    RECORDS.append(rec)


# --------------------------------------------------------------------------
# JUnit XML
def junit_failures(xml_text):
    """Yield (testcase element, failure/error element) for every failure."""
    try:
        root = ET.fromstring(xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text)
    except ET.ParseError:
        return
    for tc in root.iter("testcase"):
        for ch in tc:
            if ch.tag in ("failure", "error"):
                yield tc, ch


def junit_text(ch):
    body = ch.text or ""
    if not body.strip():
        body = ch.get("message") or ""
    return body


LANG_BY_PRODUCER = {
    "maven-surefire": ("java", "surefire"), "maven-failsafe": ("java", "surefire"),
    "testng": ("java", "testng"), "ant-junit": ("java", "junit4"),
    "cucumber-jvm": ("java", "cucumber-jvm"), "flank-merged": ("java", "android-junit4"),
    "firebase-test-lab": ("java", "android-junit4"), "marathon-android": ("java", "android-junit4"),
    "pytest": ("python", "pytest"), "python-unittest-xmlrunner": ("python", "unittest"),
    "go-junit-report": ("go", "go-test"), "gotestsum": ("go", "gotestsum"),
    "sbt-specs2": ("scala", None),
}

# Corpus files that are hand-written placeholders, not failure texts of a real run.
CORPUS_SKIP = re.compile(
    r"ctrf__test-surefire\.xml|codecov__empty_failure|codecov__junit-nested|codecov__junit-no-testcase|"
    r"pytest-rerunfailures|allure2__TEST-test\.RetryTest|marathon-android/mikepenz__com\.mikepenz\.DummyTest3|"
    r"ios_fail|iphonexs|sbt-specs2|cucumber-jvm|/gojunit__|/gotestsum__")


CORPUS_UNKNOWN_JAVA = {
    "jenkins__junit-report-20090516.xml": "junit3",
    "jenkins__junit-report-testTrends-first-3.xml": "junit3",
    "jenkins__junit-report-with-properties.xml": "junit4",
}


def corpus_junit():
    base = os.path.join(CORPUS, "junit")
    if not os.path.isdir(base):
        print("corpus not found at %s (set FAILTALE_CORPUS)" % CORPUS, file=sys.stderr)
        return
    for prod in sorted(os.listdir(base)):
        if prod not in LANG_BY_PRODUCER and prod != "unknown":
            continue
        lang, runner = LANG_BY_PRODUCER.get(prod, (None, None))
        if runner is None and prod != "unknown":
            continue
        for fn in sorted(os.listdir(os.path.join(base, prod))):
            rel = "junit/%s/%s" % (prod, fn)
            if CORPUS_SKIP.search(rel):
                continue
            if prod == "unknown":
                # real JUnit reports of Java projects among the unlabelled files
                if fn not in CORPUS_UNKNOWN_JAVA:
                    continue
                lang, runner = "java", CORPUS_UNKNOWN_JAVA[fn]
            with open(os.path.join(CORPUS, rel), "rb") as f:
                data = f.read()
            for i, (tc, ch) in enumerate(junit_failures(data)):
                text = junit_text(ch)
                l, r = lang, runner
                if "junit.framework" in text and lang == "python":
                    l, r = "java", "junit4"
                name = tc.get("name") or ""
                cls = tc.get("classname") or ""
                rec = {
                    "id": "jgp/corpus/%s/%s/%s" % (prod, fn, name or i),
                    "lang": l, "runner": r, "shape": "junit-xml-" + ch.tag,
                    "source": "shared-corpus:%s#testcase=%s%s" % (rel, (cls + ".") if cls else "", name),
                    "cause": "corpus/%s/%s/%s.%s" % (prod, fn, cls, name),
                    "name": name, "classname": cls or None,
                    "type": ch.get("type") or None, "text": text,
                }
                if tc.get("file"):
                    rec["file"] = tc.get("file")
                add(rec)


def mirror_junit(repo, path, lang, runner, idprefix, cause_prefix):
    data = show(repo, path)
    if data is None:
        return
    for i, (tc, ch) in enumerate(junit_failures(data)):
        name = tc.get("name") or ""
        cls = tc.get("classname") or ""
        rec = {
            "id": "%s/%s/%s" % (idprefix, os.path.basename(path), name or i),
            "lang": lang, "runner": runner, "shape": "junit-xml-" + ch.tag,
            "source": src(repo, path, "testcase=%s%s" % ((cls + ".") if cls else "", name)),
            "cause": "%s/%s.%s" % (cause_prefix, cls, name),
            "name": name, "classname": cls or None, "type": ch.get("type") or None,
            "text": junit_text(ch),
        }
        if tc.get("file"):
            rec["file"] = tc.get("file")
        add(rec)


# --------------------------------------------------------------------------
# go test -json
PKG_NOISE = re.compile(r"^(PASS|FAIL|ok  |FAIL\t|FAIL |coverage:|\?  |exit status|testing: warning|=== |--- )")


def go_json_failures(data):
    """Return list of (package, test, output-text) for failed tests, in order.
    A package that failed with output of its own (panic, timeout, TestMain
    failure, build/setup failure) is returned with test ""."""
    outs, failed, build = {}, [], {}
    for line in data.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("Action") == "build-output":
            build.setdefault(ev.get("ImportPath", ""), []).append(ev.get("Output", ""))
            continue
        if ev.get("FailedBuild") and ev.get("Action") == "fail":
            key = (ev.get("Package", ""), "")
            outs[key] = build.get(ev["FailedBuild"], []) + outs.get(key, [])
        key = (ev.get("Package", ""), ev.get("Test") or "")
        outs.setdefault(key, [])
        if ev.get("Action") == "output":
            outs[key].append(ev.get("Output", ""))
        elif ev.get("Action") == "fail":
            failed.append(key)
    res = []
    seen = set()
    for key in failed:
        if key in seen:
            continue
        seen.add(key)
        text = "".join(outs.get(key, []))
        if key[1] == "" and not any(l.strip() and not PKG_NOISE.match(l)
                                    for l in text.splitlines()):
            continue
        if key[1] == "" and any(k[0] == key[0] and k[1] for k in failed):
            continue  # package summary of a run whose failing tests are reported themselves
        res.append((key[0], key[1], text))
    return res


def timed_out_test(text):
    m = re.search(r"panic: test timed out after .*\nrunning tests:\n\s+(\S+) \(", text)
    return m.group(1) if m else None


def is_parent_only(text, test):
    """Output of a parent test that failed only because a subtest failed."""
    lines = [l for l in text.splitlines() if l.strip()]
    for l in lines:
        s = l.strip()
        if s.startswith("=== RUN") or s.startswith("=== PAUSE") or s.startswith("=== CONT") \
                or s.startswith("=== NAME") or s.startswith("=== FAIL:"):
            continue
        if re.match(r"--- (FAIL|PASS|SKIP): ", s):
            continue
        return False
    return True


def go_json_file(repo, path, runner, idprefix, cause_fn, shape="go-test-json-output"):
    data = show(repo, path)
    if data is None:
        return
    fails = go_json_failures(data)
    causes = {}
    for pkg, test, text in fails:
        causes[(pkg, test)] = cause_fn(pkg, test or timed_out_test(text) or "(package)", text)
    for pkg, test, text in fails:
        cause = causes[(pkg, test)]
        if test and is_parent_only(text, test):
            kids = {causes[(p, t)] for p, t, x in fails
                    if p == pkg and t.startswith(test + "/") and not is_parent_only(x, t)}
            if len(kids) != 1:
                continue
            cause = kids.pop()
        add({
            "id": "%s/%s/%s/%s" % (idprefix, os.path.basename(path), pkg.split("/")[-1], test or "(package)"),
            "lang": "go", "runner": runner, "shape": shape if test else shape + "-package",
            "source": src(repo, path, "%s.%s" % (pkg, test) if test else pkg),
            "cause": cause, "name": test or pkg, "classname": pkg, "text": text,
        })


# --------------------------------------------------------------------------
# go test text (non-JSON): "--- FAIL: Name (t)" followed by deeper-indented lines
def go_text_failures(data):
    """Per failing test: its output lines (from its "=== RUN"/"=== CONT" segments,
    go >= 1.14 layout) followed by its "--- FAIL" line and the deeper-indented
    lines under it (legacy layout, subtest result lines)."""
    lines = data.splitlines()
    seg = {}
    cur = None
    stop = re.compile(r"^(\s*--- |=== |PASS$|FAIL$|FAIL\t|ok  |exit status|\? )")
    for l in lines:
        m = re.match(r"^=== (RUN|CONT|NAME)\s+(\S+)", l)
        if m:
            cur = m.group(2)
            seg.setdefault(cur, [])
            continue
        if stop.match(l):
            cur = None
            continue
        if cur is not None:
            seg[cur].append(l)
    res = []
    for i, l in enumerate(lines):
        m = re.match(r"^(\s*)--- FAIL: (\S+) \(", l)
        if not m:
            continue
        ind = len(m.group(1).expandtabs(4))
        block = list(seg.get(m.group(2), [])) + [l]
        for l2 in lines[i + 1:]:
            if not l2.strip():
                break
            ind2 = len(l2.expandtabs(4)) - len(l2.expandtabs(4).lstrip())
            if ind2 <= ind:
                break
            block.append(l2)
        res.append((m.group(2), "\n".join(block) + "\n", i))
    return res


def gotestsum_summary_blocks(data):
    """'=== FAIL: <pkg> <test> (<t>)' blocks of gotestsum's '=== Failed' summary."""
    res = []
    cur = None
    for l in data.splitlines():
        m = re.match(r"^=== (FAIL|SKIP): (\S*) ?(\S*) \((.*)\)$", l)
        if m or l.startswith("DONE ") or l in ("=== Errors", "=== Skipped", "=== Failed"):
            if cur:
                res.append(cur)
            cur = [m.group(2), m.group(3), [l]] if (m and m.group(1) == "FAIL") else None
            continue
        if cur:
            cur[2].append(l)
    if cur:
        res.append(cur)
    out = []
    for pkg, test, blk in res:
        while blk and not blk[-1].strip():
            blk.pop()
        out.append((pkg, test, "\n".join(blk) + "\n"))
    return out


# --------------------------------------------------------------------------
# pytest console output inside rst docs
def rst_pytest_blocks(rst):
    lines = rst.splitlines()
    i = 0
    while i < len(lines):
        if re.match(r"^\s*\.\. code-block:: pytest\s*$", lines[i]):
            base = len(lines[i]) - len(lines[i].lstrip())
            j = i + 1
            block = []
            while j < len(lines):
                l = lines[j]
                if l.strip() and (len(l) - len(l.lstrip())) <= base:
                    break
                block.append(l)
                j += 1
            yield i + 1, textwrap.dedent("\n".join(block)).strip("\n")
            i = j
        else:
            i += 1


def pytest_sections(out):
    """Split a pytest console run into per-test failure/error blocks."""
    lines = out.splitlines()
    res = []
    in_sec = None
    cur = None
    for l in lines:
        m = re.match(r"^=+ (FAILURES|ERRORS) =+$", l)
        if m:
            in_sec = m.group(1)
            if cur:
                res.append(cur)
            cur = None
            continue
        if re.match(r"^=+ .* =+$", l) or re.match(r"^=+$", l):
            if cur:
                res.append(cur)
            cur = None
            in_sec = None
            continue
        if not in_sec:
            continue
        m = re.match(r"^_{2,} (.+?) _{2,}$", l)
        if m and not re.match(r"^(_ )+_?$", l):
            if cur:
                res.append(cur)
            cur = [in_sec, m.group(1), [l]]
            continue
        if cur:
            cur[2].append(l)
    if cur:
        res.append(cur)
    out = []
    for sec, name, blk in res:
        while blk and not blk[-1].strip():
            blk.pop()
        out.append((sec, name, "\n".join(blk) + "\n"))
    return out


def pytest_where(text):
    """last 'path:line: Exc' location line of a pytest block"""
    locs = re.findall(r"^(\S+?:\d+): (\w[\w.]*)\s*$", text, re.M)
    if locs:
        return "%s:%s" % locs[-1]
    m = re.search(r"^E\s+(\w+)", text, re.M)
    return m.group(1) if m else "?"


def pytest_docs():
    repo = "pytest-dev/pytest"
    files = [p for p in ls(repo, "doc/en/") if p.endswith(".rst")]
    for path in sorted(files):
        rst = show(repo, path)
        if rst is None or "code-block:: pytest" not in rst:
            continue
        for lineno, block in rst_pytest_blocks(rst):
            for k, (sec, name, text) in enumerate(pytest_sections(block)):
                tname = re.sub(r"^ERROR (at|collecting) (setup of |teardown of )?", "", name)
                add({
                    "id": "jgp/pytest-docs/%s/L%d/%s" % (path[7:], lineno, name),
                    "lang": "python", "runner": "pytest",
                    "shape": "pytest-console-error" if sec == "ERRORS" else "pytest-console-failure",
                    "source": src(repo, path, "L%d/%s" % (lineno, name)),
                    # same doc, same failing line, same test (parameters stripped) = same cause
                    "cause": "py/pytest-docs/%s/%s/%s" % (path[7:-4], pytest_where(text),
                                                          re.sub(r"\[.*\]$", "", tname)),
                    "name": tname, "text": text,
                })


# --------------------------------------------------------------------------
def go_sources():
    # jstemmer/go-junit-report: raw go test outputs and the JUnit reports made from them
    repo = "jstemmer/go-junit-report"
    for path in sorted(ls(repo, "testdata/")):
        m = re.match(r"testdata/(\d{3})-(.*)\.txt$", path)
        if m and not path.endswith(".gojson.txt"):
            data = show(repo, path)
            for name, text, line in go_text_failures(data):
                add({"id": "jgp/go-junit-report/%s/%s" % (os.path.basename(path), name),
                     "lang": "go", "runner": "go-test", "shape": "go-test-text-fail-block",
                     "source": src(repo, path, "L%d" % (line + 1)),
                     "cause": "go/go-junit-report/%s/%s" % (m.group(1), name),
                     "name": name, "text": text})
        elif m and path.endswith(".gojson.txt"):
            num = m.group(1)
            go_json_file(repo, path, "go-test", "jgp/go-junit-report",
                         lambda p, t, x, num=num: "go/go-junit-report/%s/%s" % (num, t))
        m = re.match(r"testdata/(\d{3})-report\.xml$", path)
        if m:
            num = m.group(1)
            data = show(repo, path)
            for tc, ch in junit_failures(data):
                name = tc.get("name")
                cls = tc.get("classname")
                if ch.tag == "error" and name.startswith("["):
                    cause = "go/go-junit-report/%s/%s%s" % (num, cls, name)
                else:
                    cause = "go/go-junit-report/%s/%s" % (num, name)
                add({"id": "jgp/go-junit-report/%s/%s.%s" % (os.path.basename(path), cls, name),
                     "lang": "go", "runner": "go-junit-report", "shape": "junit-xml-" + ch.tag,
                     "source": src(repo, path, "testcase=%s.%s" % (cls, name)),
                     "cause": cause, "name": name, "classname": cls,
                     "type": ch.get("type") or None, "text": junit_text(ch)})

    # gotestsum: go test -json of its own failing testdata packages, several runs
    repo = "gotestyourself/gotestsum"
    gts = lambda p, t, x: "go/gotestsum/%s/%s" % (p.split("/")[-1], t)
    for path in sorted(ls(repo)):
        if re.match(r"(testjson|cmd)/testdata/.*\.out$", path) and "/format/" not in path \
                and "expected" not in path:
            go_json_file(repo, path, "gotestsum", "jgp/gotestsum", gts)
        if re.match(r"internal/junitxml/testdata/junitxml-report\.golden$", path):
            data = show(repo, path)
            for tc, ch in junit_failures(data):
                name, cls = tc.get("name"), tc.get("classname")
                add({"id": "jgp/gotestsum/%s/%s.%s" % (os.path.basename(path), cls, name),
                     "lang": "go", "runner": "gotestsum", "shape": "junit-xml-" + ch.tag,
                     "source": src(repo, path, "testcase=%s.%s" % (cls, name)),
                     "cause": "go/gotestsum/%s/%s" % (cls.split("/")[-1], name),
                     "name": name, "classname": cls, "text": junit_text(ch)})

    for path in sorted(ls(repo)):
        if re.match(r"testjson/testdata/summary/|cmd/testdata/expected/|cmd/testdata/e2e/expected/", path):
            data = show(repo, path)
            for k, (pkg, test, text) in enumerate(gotestsum_summary_blocks(data)):
                t = test or timed_out_test(text) or "(package)"
                add({"id": "jgp/gotestsum/%s/%s/%s" % (path.replace("/", "-"), pkg.split("/")[-1], test or "(package)"),
                     "lang": "go", "runner": "gotestsum", "shape": "gotestsum-failed-summary",
                     "source": src(repo, path, "L=== FAIL: %s %s" % (pkg, test)),
                     "cause": "go/gotestsum/%s/%s" % (pkg.split("/")[-1], t),
                     "name": test or pkg, "classname": pkg, "text": text})

    # mfridman/tparse: go test -json streams of real projects
    repo = "mfridman/tparse"
    for path in sorted(ls(repo, "tests/testdata/")):
        if path.endswith(".jsonl"):
            go_json_file(repo, path, "go-test", "jgp/tparse/" + path[15:-6].replace("/", "-"),
                         lambda p, t, x, path=path: "go/tparse/%s/%s/%s" % (path[15:-6], p, t))

    # GoTestTools/gotestfmt: go test -json from real projects
    repo = "GoTestTools/gotestfmt"
    for path in sorted(ls(repo, "testdata/")):
        if path.endswith(".txt"):
            go_json_file(repo, path, "go-test", "jgp/gotestfmt",
                         lambda p, t, x, path=path: "go/gotestfmt/%s/%s/%s" % (os.path.basename(path), p, t))

    # gotestfmt: raw `go test` outputs of module/setup failures (no test ran)
    gtf = {
        "depdownloadfailed.txt": ("go/gotestfmt/example-nonexistent-module", "dependency"),
        "depdownloadfailed-cached.txt": ("go/gotestfmt/example-nonexistent-module", "dependency"),
        "gosum.txt": ("go/gotestfmt/example-missing-go-sum-entry", "dependency"),
        "norevision.txt": ("go/gotestfmt/example-unknown-revision", "dependency"),
        "syntax-error.txt": ("go/gotestfmt/example-nothing_test-syntax-error", "other"),
        "multipackage-syntax-json.txt": ("go/gotestfmt/example-nothing_test-syntax-error", "other"),
    }
    for fn, (cause, cat) in sorted(gtf.items()):
        data = show(repo, "testdata/" + fn)
        if data is None:
            continue
        lines = []
        for l in data.splitlines():
            if l.startswith("{"):
                break
            lines.append(l)
        while lines and lines[-1].strip() in ("", "FAIL"):
            lines.pop()
        add({"id": "jgp/gotestfmt/%s/(package)" % fn, "lang": "go", "runner": "go-test",
             "shape": "go-test-setup-failure", "source": src(repo, "testdata/" + fn, "L1-%d" % len(lines)),
             "cause": cause, "category": cat, "name": "github.com/haveyoudebuggedit/example",
             "classname": "github.com/haveyoudebuggedit/example", "text": "\n".join(lines) + "\n"})

    # dorny/test-reporter golang fixture
    go_json_file("dorny/test-reporter", "__tests__/fixtures/golang-json.json", "go-test",
                 "jgp/dorny", lambda p, t, x: "go/dorny/%s" % t)


def python_sources():
    pytest_docs()
    repo = "EnricoMi/publish-unit-test-result-action"
    for path in sorted(ls(repo, "python/test/files/junit-xml/pytest/")):
        if path.endswith(".xml"):
            mirror_junit(repo, path, "python", "pytest", "jgp/enricomi",
                         "py/enricomi/" + os.path.basename(path))


def surefire_txt_failures(data):
    """Blocks of a Surefire plain-text report: '<test>  Time elapsed: ... <<< FAILURE!' + trace."""
    res = []
    lines = data.splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"^(\S+?)(\(.*\))?\s+Time elapsed: .*<<< (FAILURE|ERROR)!$", l)
        if not m:
            continue
        blk = [l]
        for l2 in lines[i + 1:]:
            if not l2.strip():
                break
            blk.append(l2)
        res.append((m.group(1), "\n".join(blk) + "\n", i))
    return res


def jvm_sources():
    repo = "apache/maven-surefire"
    base = "surefire-its/src/test/resources/surefire-570-multipleReportDirectories/%s/src/test/resources/surefire-reports2/"
    for mod in ("module1", "module2"):
        d = base % mod
        mirror_junit(repo, d + "TEST-org.apache.maven.surefireReport.surefireReportTest.MyClassTest.xml",
                     "java", "surefire", "jgp/surefire-570-" + mod, "jvm/surefire-570/" + mod)
        path = d + "org.apache.maven.surefireReport.surefireReportTest.MyClassTest.txt"
        data = show(repo, path)
        for name, text, line in surefire_txt_failures(data or ""):
            add({"id": "jgp/surefire-570-%s/MyClassTest.txt/%s" % (mod, name), "lang": "java",
                 "runner": "surefire", "shape": "surefire-txt-report",
                 "source": src(repo, path, "L%d" % (line + 1)),
                 "cause": "jvm/surefire-570/MyDummyClassTest.testGetFooKO", "name": name.rsplit(".", 1)[-1],
                 "classname": name.rsplit(".", 1)[0], "text": text})
    mirror_junit(repo, "maven-surefire-report-plugin/src/test/resources/unit/surefire-report-nestedClass/"
                 "surefire-reports/TEST-surefire.MyTest-nestedClass.xml", "java", "surefire",
                 "jgp/surefire-nestedClass", "jvm/surefire-fixture/MyTest-nestedClass")


# --------------------------------------------------------------------------
# hand-copied texts from public issue threads
def manual_texts():
    if not os.path.isdir(MANUAL):
        return
    for fn in sorted(os.listdir(MANUAL)):
        if not fn.endswith(".txt"):
            continue
        with open(os.path.join(MANUAL, fn), encoding="utf-8") as f:
            raw = f.read()
        head, _, body = raw.partition("\n---\n")
        meta = {}
        for l in head.splitlines():
            m = re.match(r"#\s*(\w+):\s*(.*)$", l)
            if m:
                meta[m.group(1)] = m.group(2).strip()
        # one file may hold several failures separated by "\n=====8<=====\n";
        # per-part headers "#! name: ..." override the file's headers
        for k, part in enumerate(body.split("\n=====8<=====\n")):
            pm = dict(meta)
            plines = part.split("\n")
            while plines and plines[0].startswith("#! "):
                m = re.match(r"#!\s*(\w+):\s*(.*)$", plines.pop(0))
                pm[m.group(1)] = m.group(2).strip()
            text = "\n".join(plines)
            if not text.endswith("\n"):
                text += "\n"
            rec = {
                "id": "jgp/manual/%s/%d" % (fn[:-4], k),
                "lang": pm["lang"], "runner": pm["runner"], "shape": pm["shape"],
                "source": pm["source"], "cause": pm["cause"], "category": pm["category"],
                "name": pm.get("name", ""), "text": text,
            }
            for opt in ("classname", "file", "type"):
                if pm.get(opt):
                    rec[opt] = pm[opt]
            add(rec)


# --------------------------------------------------------------------------
# Human decisions.  Keys are regular expressions matched against the id
# (first match wins).
CAUSE_OVERRIDES = [
    # pressly/goose e2e: six tests trip the same shared check (allow_missing_test.go:329)
    (r"^jgp/tparse/failed-test_01/.*/e2e/", "go/tparse/goose-e2e-allow-missing-got0-want1"),
    # the same mfridman/debug-go TestRace program run several times
    (r"^jgp/tparse/race-test_0[478]/.*testing/TestRace$", "go/tparse/debug-go-TestRace-data-race"),
    # one Pulsar TestNG failure, present in two report files
    (r"pulsar.*AddMissingPatchVersionTest.*testVersionStrings|pulsar-test-report.*testVersionStrings",
     "jvm/pulsar/AddMissingPatchVersionTest.testVersionStrings"),
    # gotestsum fixtures: a build failure and two syntax errors (setup failed)
    (r"^jgp/gotestsum/.*build-fail.*/cacher/", "go/gotestsum/cacher-build-failed-undefined-assert-foo"),
    (r"^jgp/gotestsum/.*setup-fail.*/cacher/", "go/gotestsum/cacher-setup-failed-syntax-error"),
    (r"^jgp/gotestsum/.*setup-fail.*/subpkg/", "go/gotestsum/subpkg-setup-failed-syntax-error"),
    # parent of the failing subtest in gotestsum's e2e rerun fixtures
    (r"^jgp/gotestsum/cmd-testdata-e2e-.*/flaky/TestFailsOften(~\d+)?$", "go/gotestsum/flaky/TestFailsOften/subtest_may_fail"),
    # gotestsum fixture: four parallel subtests fail on the same t.Error line (fails_test.go:50)
    (r"/parallelfails/TestNestedParallelFailures(/[abcd])?(~\d+)?$", "go/gotestsum/parallelfails/TestNestedParallelFailures-fails_test.go:50"),
    (r"parallelfails\.TestNestedParallelFailures(/[abcd])?(~\d+)?$", "go/gotestsum/parallelfails/TestNestedParallelFailures-fails_test.go:50"),
    # Flank's sample app: five instrumented tests trip the same helper assertion
    (r"flank__tool_JUnitReport\.xml/", "jvm/flank-test-app/BaseInstrumentedTest.testMethod:35"),
    # the same failing UI test of the sample app in two Firebase Test Lab reports
    (r"firebase-test-lab/flank__(android_fail|shard_0_NexusLowRes-27)", "jvm/flank-sample/ExampleUiTest.testFails"),
    # test-summary/action: the same four JUnit 3 tests in two report files
    (r"testsummary__0[37].*/(failsTest\w+)$", None),
    # the same VendorManagerTest failures in two builds of one project (Jenkins fixtures)
    (r"jenkins__junit-report-(20090516|testTrends-first-3)\.xml/(org\.twia\.vendor\.VendorManagerTest\.\w+)$", "JENKINS"),
    # surefire-570 fixture: one failing test, in the XML and the plain-text report, copied into two modules
    (r"^jgp/surefire-570-module[12]/.*testGetFooKO", "jvm/surefire-570/MyDummyClassTest.testGetFooKO"),
    # one Spring MVC security setup returns 403 for both upload tests
    (r"scacap__TEST-test\.MyIntegrationTestSuite", "jvm/scacap/document-upload-403-instead-of-400"),
]
CATEGORY_OVERRIDES = [
    (r"VendorManagerTest\.testCreateAdjustingFirm", "database"),
    (r"VendorManagerTest\.(testGetRevokedClaimsForAdjustingFirm|testCreateVendorFirm)", "panic"),
    (r"EmailAddressTest\.xml/should(NotContain|BeStricterThanRfc2821|NotBeBlank|NotAllowDots)", "other"),
    # Go: recovered/unrecovered panics and nil dereferences are panics, not crashes
    (r"^jgp/tparse/panic-test_03/.*TestStatus$|^jgp/tparse/.*TestPrescan/fail01$", "panic"),
    (r"^jgp/tparse/outcome-test_01/.*TestStatus$", "assertion"),
    (r"^jgp/dorny/golang-json\.json/go/TestPanicInside", "panic"),
    # tests whose expected output merely contains race-detector text
    (r"^jgp/tparse/race-test_02/.*TestSingleFailStack", "assertion"),
    (r"^jgp/gotestsum/.*(build-fail|setup-fail)", "other"),
    (r"^jgp/gotestsum/.*/badmain/|\.TestMain$", "other"),
    (r"^jgp/gotestsum/.*TestSleepsTooLong$", "timeout"),
    (r"^jgp/gotestsum/cmd-testdata-e2e-.*/flaky/TestFailsOften(~\d+)?$", "assertion"),
    (r"/parallelfails/TestNestedParallelFailures(~\d+)?$|parallelfails\.TestNestedParallelFailures$", "assertion"),
    (r"TestOutputWithSubtest|TestIgnoreWarnings", "other"),
    # Go compile errors in the package under test
    (r"\[build failed\]", "other"),
    # deliberate pytest.fail()/Failed
    (r"how-to/cache\.rst/.*test_num|parametrize\.rst/.*test_db_initialized|simple\.rst/.*test_something", "assertion"),
    (r"nonpython\.rst", "assertion"),
    # uncaught exceptions raised in test code
    (r"reportingdemo\.rst/.*(test_raise$|test_tupleerror|test_z1_unpack_error|test_attribute_failure)", "panic"),
    (r"python-xunit-(pytest|unittest)\.xml/test_error", "panic"),
    (r"capture-warnings\.rst", "other"),
    (r"reportingdemo\.rst/.*test_raises_doesnt", "assertion"),
]


def apply_overrides():
    for r in RECORDS:
        for rx, cause in CAUSE_OVERRIDES:
            m = re.search(rx, r["id"])
            if m:
                if cause == "JENKINS":
                    cause = "jvm/twia/" + m.group(2)
                r["cause"] = cause if cause else "jvm/testsummary/" + m.group(1)
                break
        for rx, cat in CATEGORY_OVERRIDES:
            if re.search(rx, r["id"]):
                r["category"] = cat
                break


DROP = [
    # gotestsum re-renders of its own fixture packages: keep a few renderings
    # (go test -json, JUnit, two summaries), not every golden file
    r"^jgp/gotestsum/(testjson-testdata-summary-(bug-repeated|with-run-id)|go-test-json-with-cover|go-test-json-with-shuffle)",
]


def go_parents():
    """A Go parent test that failed only because of its subtests shares their
    cause (fixing the subtest fixes the parent); drop it when its failing
    subtests have different causes."""
    keep = []
    for r in RECORDS:
        if r["lang"] == "go" and (r["text"].strip() == "Failed" or is_parent_only(r["text"], r["name"])):
            f = r["source"].split("#")[0]
            kids = {k["cause"] for k in RECORDS if k is not r and k["source"].split("#")[0] == f
                    and k["name"].startswith(r["name"] + "/") and k.get("classname") == r.get("classname")
                    and not (k["text"].strip() == "Failed" or is_parent_only(k["text"], k["name"]))}
            if len(kids) == 1:
                r["cause"] = kids.pop()
                r["category"] = None
            elif kids:
                continue
        keep.append(r)
    RECORDS[:] = keep


def main():
    jvm_sources()
    corpus_junit()
    go_sources()
    python_sources()
    manual_texts()
    go_parents()
    if MISSING:
        for repo in MISSING:
            print("missing mirror: run  fetch github:%s" % repo, file=sys.stderr)
    apply_overrides()
    for r in RECORDS:
        # causes must be unique across the whole evaluation set: namespace them
        if not r["cause"].startswith("jgp/"):
            r["cause"] = "jgp/" + r["cause"]
        # the mikepenz CalcUtilsTest is a Kotlin test (CalcUtilsTest.kt in its trace)
        if r["lang"] == "java" and re.search(r"\(\w+Test\.kt:\d+\)", r["text"]):
            r["lang"] = "kotlin"
    catof = {r["cause"]: r["category"] for r in RECORDS if r.get("category")}
    for r in RECORDS:
        if not r.get("category"):
            r["category"] = catof.get(r["cause"], "other")
    # one cause, one category: a bare "Failed" JUnit body takes the category of
    # the informative rendering of the same failure
    bycause = {}
    for r in RECORDS:
        bycause.setdefault(r["cause"], set()).add(r["category"])
    for r in RECORDS:
        cats = bycause[r["cause"]] - {"other"}
        if r["category"] == "other" and len(cats) == 1:
            r["category"] = next(iter(cats))
    recs = [r for r in RECORDS if not any(re.search(rx, r["id"]) for rx in DROP)]
    os.makedirs(OUTDIR, exist_ok=True)
    tmp = OUT + ".tmp"
    keys = ["id", "lang", "runner", "shape", "source", "cause", "category", "name",
            "classname", "file", "type", "text"]
    with open(tmp, "w", encoding="utf-8") as f:
        for r in recs:
            o = {k: r[k] for k in keys if r.get(k) is not None}
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    os.replace(tmp, OUT)
    by = {}
    for r in recs:
        by.setdefault(r["lang"], []).append(r)
    for lang, rs in sorted(by.items()):
        print("%-8s %4d texts %4d causes" % (lang, len(rs), len({r["cause"] for r in rs})))
    print("total %d" % len(recs))


if __name__ == "__main__":
    main()
