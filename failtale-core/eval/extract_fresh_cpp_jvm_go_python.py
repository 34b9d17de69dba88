#!/usr/bin/env python3
"""Extract the FRESH held-out C/C++, JVM, Go and Python failure texts.

No network. Reads git mirrors under $FAILTALE_MIRRORS (default /work/.mirror)
with `git --git-dir=DIR show HEAD:path`, and hand-saved issue excerpts under
/work/cache/failtale-eval-fresh/manual/cpp-jvm-go-python/*.txt.
Writes /work/cache/failtale-eval-fresh/cpp-jvm-go-python.jsonl.
"""
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
OUT_DIR = os.environ.get("FAILTALE_EVAL_FRESH", "/work/cache/failtale-eval-fresh")
MANUAL = os.path.join(OUT_DIR, "manual", "cpp-jvm-go-python")
OUT = os.path.join(OUT_DIR, "cpp-jvm-go-python.jsonl")

missing = []
records = []
ids = set()
_commits = {}


def gitdir(repo):
    return os.path.join(MIRRORS, repo.replace("/", "+"), "repo")


def show(repo, path):
    d = gitdir(repo)
    if not os.path.isdir(d):
        if repo not in missing:
            missing.append(repo)
            print("mirror missing: fetch github:%s" % repo, file=sys.stderr)
        return None
    r = subprocess.run(["git", "--git-dir=" + d, "show", "HEAD:" + path],
                       capture_output=True)
    if r.returncode != 0:
        print("cannot read %s:%s" % (repo, path), file=sys.stderr)
        return None
    return r.stdout.decode("utf-8", "replace")


def ls(repo, prefix):
    d = gitdir(repo)
    if not os.path.isdir(d):
        if repo not in missing:
            missing.append(repo)
            print("mirror missing: fetch github:%s" % repo, file=sys.stderr)
        return []
    r = subprocess.run(["git", "--git-dir=" + d, "ls-tree", "-r", "--name-only", "HEAD", prefix],
                       capture_output=True, text=True)
    return r.stdout.split()


def commit(repo):
    if repo not in _commits:
        r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "rev-parse", "HEAD"],
                           capture_output=True, text=True)
        _commits[repo] = r.stdout.strip()[:12]
    return _commits[repo]


def add(id_, lang, runner, shape, source, cause, category, name, text, **kw):
    base = "fresh/" + id_
    i, n = base, 2
    while i in ids:
        i = "%s#%d" % (base, n)
        n += 1
    ids.add(i)
    rec = {"id": i, "lang": lang, "runner": runner, "shape": shape, "source": source,
           "cause": "fresh/" + cause, "category": category, "name": name}
    for k in ("classname", "file", "type"):
        if kw.get(k):
            rec[k] = kw[k]
    rec["text"] = text
    records.append(rec)


# ---------------------------------------------------------------- Criterion (C / C++)
CRIT = "Snaipe/Criterion"
# category per (program, test) after reading the outputs
CRIT_CAT = {
    "simple::uncaught": "crash",
    "misc::setup_crash": "crash",
    "misc::teardown_crash": "crash",
}


def criterion_category(name, text):
    if "CRASH!" in text or "crashed during its setup" in text:
        return "crash"
    if "unexpected exception" in text:
        return "panic"
    if "exited during its setup" in text or name == "exit::unexpected_exit":
        return "crash"
    if "Timed out" in text:
        return "timeout"
    if "Assertion Failed" in text:
        return "assertion"
    if "exit" in text.lower():
        return "other"
    return "assertion"


def criterion():
    seen = set()
    for path in ls(CRIT, "test/cram"):
        if not path.endswith(".t"):
            continue
        src = show(CRIT, path)
        if src is None:
            continue
        prog = None
        buf = []
        for lineno, raw in enumerate(src.split("\n"), 1):
            if raw.startswith("  $ "):
                toks = [t for t in raw[4:].split() if "=" not in t]
                prog = toks[0] if toks else None
                buf = []
                continue
            if not raw.startswith("  ") or prog is None:
                prog = None if not raw.startswith("  ") else prog
                buf = []
                continue
            line = raw[2:]
            meta = re.search(r" \((re|glob|esc)\)$", line)
            if line.startswith("[RUN ]") or line.startswith("[PASS]") or line.startswith("[====]") \
                    or line.startswith("[SKIP]"):
                buf = []
                continue
            m_warn = re.match(r"\[----\] Warning! The test `([^`]+)` (crashed|exited)", line)
            if m_warn and not meta:
                emit_crit(path, lineno, prog, m_warn.group(1), buf + [line], seen)
                buf = []
                continue
            if line.startswith("[----]"):
                buf.append(line if not meta else None)
                continue
            m = re.match(r"\[FAIL\] (\S+?)(: .*)?$", line)
            if m and not meta:
                emit_crit(path, lineno, prog, m.group(1), buf + [line], seen)
                buf = []
                continue
            buf = []


def emit_crit(path, lineno, prog, name, lines, seen):
    if any(l is None for l in lines):
        return
    text = "\n".join(lines) + "\n"
    progbase = prog.replace(".bin", "")
    # the C and C++ variants of a sample are the same test written twice: one
    # cause, and byte-identical outputs are kept once
    stem = re.sub(r"\.(c|cc|cpp)$", "", progbase)
    key = (stem, name, text)
    if key in seen:
        return
    seen.add(key)
    lang = "cpp" if progbase.endswith((".cc", ".cpp")) else "cpp"
    cat = criterion_category(name, text)
    add("cpp/criterion/%s/%s/%s" % (path.split("/")[-1], progbase, name), lang, "criterion",
        "criterion-console", "%s@%s:%s#L%d" % (CRIT, commit(CRIT), path, lineno),
        "cpp/criterion/%s/%s" % (stem, name), cat, name, text)


# ---------------------------------------------------------------- Boost.Test
BOOST = "boostorg/test"


def boost_test_tools():
    path = "test/baseline-outputs/test_tools-test.pattern"
    src = show(BOOST, path)
    if src is None:
        return
    blocks = []  # (name, [lines], first_lineno)
    cur = None
    for lineno, line in enumerate(src.split("\n"), 1):
        m = re.search(r' in "([^"]+)"', line)
        if m:
            if cur is None or cur[0] != m.group(1):
                cur = (m.group(1), [], lineno)
                blocks.append(cur)
            cur[1].append(line)
        elif cur is not None and line.startswith("info: ") :
            cur[1].append(line)
        else:
            cur = None
    for name, lines, ln in blocks:
        while lines and lines[-1].startswith("info: "):
            lines.pop()
        if not any(re.match(r"(fatal )?error: ", l) for l in lines):
            continue
        text = "\n".join(lines) + "\n"
        cat = "assertion"
        add("cpp/boost-test/test_tools/%s" % name, "cpp", "boost-test", "boost-test-log",
            "%s@%s:%s#L%d" % (BOOST, commit(BOOST), path, ln),
            "cpp/boost-test/test_tools/%s" % name, cat, name, text)


BOOST_ERR_CAT = {
    "user non-fatal error": ("assertion", "user-non-fatal-error"),
    "user fatal error": ("assertion", "user-fatal-error"),
    "cpp exception": ("panic", "uncaught-runtime-error"),
    "system error": ("crash", "integer-divide-by-zero"),
    "system fatal error": ("crash", "memory-access-violation"),
}


def boost_errors_handling():
    path = "test/baseline-outputs/errors-handling-test.pattern"
    src = show(BOOST, path)
    if src is None:
        return
    parts = src.split("===========================\n")
    lineno = 1
    for part in parts:
        start = lineno
        lineno += part.count("\n") + 1
        m = re.match(r"log level: (\w+); error type: ([^;]+);\n\n", part)
        if not m:
            continue
        level, etype = m.group(1), m.group(2).strip()
        if etype not in BOOST_ERR_CAT:
            continue
        body = part[m.end():].rstrip("\n")
        if "error" not in body:
            continue
        text = body + "\n"
        cat, cause = BOOST_ERR_CAT[etype]
        add("cpp/boost-test/errors-handling/%s/%s" % (level, etype.replace(" ", "-")), "cpp",
            "boost-test", "boost-test-log", "%s@%s:%s#L%d" % (BOOST, commit(BOOST), path, start + 1),
            "cpp/boost-test/errors-handling/%s" % cause, cat, "error_on_demand", text)


# ---------------------------------------------------------------- JUnit-style XML helpers
def junit_cases(repo, path, lang, runner, shape, cause_fn, cat_fn, idp):
    src = show(repo, path)
    if src is None:
        return
    root = ET.fromstring(src.encode("utf-8"))
    for tc in root.iter("testcase"):
        for child in tc:
            if child.tag not in ("failure", "error"):
                continue
            text = child.text or ""
            if not text.strip():
                text = child.get("message", "")
            name = tc.get("name")
            cls = tc.get("classname")
            cause, cat = cause_fn(name, cls, text), cat_fn(name, cls, text)
            if cause is None:
                continue
            add("%s/%s" % (idp, name), lang, runner, shape,
                "%s@%s:%s#testcase=%s.%s" % (repo, commit(repo), path, cls, name),
                cause, cat, name, text, classname=cls, type=child.get("type"))


# ---------------------------------------------------------------- Go: go2xunit fixtures
GO2X = "tebeka/go2xunit"


def go_verbose_blocks(src):
    """Yield (name, text, lineno) for failing tests of `go test -v` output."""
    lines = src.split("\n")
    i = 0
    pending = {}
    out = []
    while i < len(lines):
        l = lines[i]
        m = re.match(r"^(\s*)--- FAIL: (\S+) \(", l)
        if m:
            ind = len(m.group(1))
            blk = [l]
            j = i + 1
            while j < len(lines) and (lines[j].startswith("\t") or
                                      (lines[j].startswith(" " * (ind + 4)) and not lines[j].lstrip().startswith("--- "))):
                blk.append(lines[j])
                j += 1
            out.append((m.group(2), "\n".join(blk) + "\n", i + 1))
            pending.pop(m.group(2), None)
            i = j
            continue
        m = re.match(r"^=== RUN\s+(\S+)", l)
        if m:
            pending[m.group(1)] = i
        m = re.match(r"^\s*--- (PASS|SKIP): (\S+)", l)
        if m:
            pending.pop(m.group(2), None)
        i += 1
    # tests that started but never finished (panic / fatal error)
    for name, start in pending.items():
        rest = lines[start:]
        if any(re.match(r"^(panic:|fatal error:)", r) for r in rest):
            out.append((name, "\n".join(rest).rstrip("\n") + "\n", start + 1))
    return out


def gocheck_blocks(src):
    out = []
    for m in re.finditer(r"^START: (\S+): (\S+)\n(.*?)^(FAIL|PANIC|MISS): \1: \2[^\n]*\n", src,
                         re.M | re.S):
        text = m.group(0)
        out.append((m.group(2), text, src[:m.start()].count("\n") + 1, m.group(4)))
    return out


GO2X_CAT = {}


def go2xunit():
    for path in ls(GO2X, "_data/in"):
        src = show(GO2X, path)
        if src is None:
            continue
        base = path.split("/")[-1]
        if base.startswith("gocheck"):
            for name, text, ln, kind in gocheck_blocks(src):
                if kind == "PANIC":
                    cat, cause = "panic", "go/go2xunit/gocheck-demo/%s-log-panic" % name
                elif base == "gocheck-setup-miss.out":
                    # SetUpSuite failed on a missing testdata file; the MISSed tests follow from it
                    cat, cause = "missing-file-or-config", "go/go2xunit/foobar/testdata-regexes.yaml-missing"
                else:
                    cat, cause = "assertion", "go/go2xunit/gocheck-demo/%s" % name
                add("go/go2xunit/%s/%s" % (base, name), "go", "gocheck", "gocheck-console",
                    "%s@%s:%s#L%d" % (GO2X, commit(GO2X), path, ln), cause, cat, name, text)
            continue
        blocks = go_verbose_blocks(src)
        causes = {}
        for name, text, ln in blocks:
            first = text.split("\n")[1].strip() if "\n" in text.strip() else ""
            causes[name] = "go/go2xunit/%s/%s" % (name, re.sub(r"\W+", "-", first)[:60] or base)
        for name, text, ln in blocks:
            first = text.split("\n")[1].strip() if "\n" in text.strip() else ""
            if "deadlock" in text:
                cat = "concurrency"
            elif re.search(r"^panic:", text, re.M):
                cat = "panic"
            else:
                cat = "assertion"
            # the same test + same message across runs of the same demo = one defect
            cause = causes[name]
            if not first:
                # a parent test that failed only because its subtest failed
                kids = [n for n in causes if n.startswith(name + "/")]
                if kids:
                    cause = causes[kids[0]]
            add("go/go2xunit/%s/%s" % (base, name), "go", "go-test", "go-test-v",
                "%s@%s:%s#L%d" % (GO2X, commit(GO2X), path, ln), cause, cat, name, text)


# ---------------------------------------------------------------- Go: test2json fixtures
def go_json(repo, path, idp, causep, catmap):
    src = show(repo, path)
    if src is None:
        return
    if path.endswith(".txtar"):
        m = re.search(r"^-- failing\.json --\n(.*?)(?=^-- )", src, re.M | re.S)
        src = m.group(1) if m else ""
    outs, failed = {}, []
    for line in src.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        t = ev.get("Test")
        if not t:
            continue
        key = (ev.get("Package"), t)
        if ev.get("Action") == "output":
            outs.setdefault(key, []).append(ev.get("Output", ""))
        elif ev.get("Action") == "fail":
            failed.append(key)
    for pkg, t in failed:
        text = "".join(outs.get((pkg, t), []))
        cause, cat = catmap(pkg, t, text)
        add("%s/%s/%s" % (idp, pkg.split("/")[-1], t), "go", "go-test", "go-test-json-output",
            "%s@%s:%s#%s/%s" % (repo, commit(repo), path, pkg, t), causep + cause, cat, t, text,
            classname=pkg)


def go_test_action_cat(pkg, t, text):
    root = t.split("/")[0]
    cat = "panic" if re.search(r"^panic: ", text, re.M) else "assertion"
    return "%s/%s" % (pkg.split("/")[-1], root), cat


# ---------------------------------------------------------------- Go: richgo sample (plain go test -v)
def richgo():
    repo, path = "kyoh86/richgo", "sample/out_raw.txt"
    src = show(repo, path)
    if src is None:
        return
    for name, text, ln in go_verbose_blocks(src):
        add("go/richgo/%s" % name, "go", "go-test", "go-test-v",
            "%s@%s:%s#L%d" % (repo, commit(repo), path, ln),
            "go/richgo/sample/%s" % name.split("/")[0], "assertion", name, text)


# ---------------------------------------------------------------- TestNG (Jenkins plugin fixtures)
TESTNG = "jenkinsci/testng-plugin-plugin"


def testng():
    for path in ls(TESTNG, "src/test/resources"):
        if not path.endswith(".xml"):
            continue
        src = show(TESTNG, path)
        if src is None:
            continue
        try:
            root = ET.fromstring(src.encode("utf-8"))
        except ET.ParseError:
            continue
        for cls in root.iter("class"):
            for tm in cls.iter("test-method"):
                if tm.get("status") != "FAIL":
                    continue
                exc = tm.find("exception")
                if exc is None:
                    continue
                st = exc.find("full-stacktrace")
                text = (st.text if st is not None and st.text else "")
                if not text.strip():
                    msg = exc.find("message")
                    text = msg.text if msg is not None and msg.text else ""
                name = tm.get("name")
                etype = exc.get("class")
                cause, cat = TESTNG_LABEL.get((path.split("/")[-1], name), (None, None))
                if cause is None:
                    cause = "jvm/testng-plugin/%s/%s.%s" % (path.split("/")[-1], cls.get("name"), name)
                    # AssertionError and the suite's own AssertException are failed checks
                    cat = "assertion" if "Assert" in (etype or "") else "panic"
                add("jvm/testng/%s/%s.%s" % (path.split("/")[-1], cls.get("name"), name), "java",
                    "testng", "testng-results-xml",
                    "%s@%s:%s#test-method=%s.%s" % (TESTNG, commit(TESTNG), path, cls.get("name"), name),
                    cause, cat, name, text, classname=cls.get("name"), type=etype)


TESTNG_LABEL = {}


# ---------------------------------------------------------------- junit2html fixtures
J2H = "inorton/junit2html"


def junit2html():
    junit_cases(J2H, "tests/junit-cute2.xml", "cpp", "cute", "junit-xml-failure",
                lambda n, c, t: "cpp/cute/MultiOs/%s" % n, lambda n, c, t: "assertion",
                "cpp/cute/junit-cute2")
    junit_cases(J2H, "tests/junit-sonobouy.xml", "go", "ginkgo", "junit-xml-failure",
                lambda n, c, t: "go/k8s-e2e/sonobuoy-serviceaccount-forbidden-metrics",
                lambda n, c, t: "permission", "go/ginkgo/junit-sonobouy")
    junit_cases(J2H, "tests/junit-jenkins-stdout.xml", "python", "unittest", "junit-xml-failure",
                lambda n, c, t: "python/sikuli-rdp/expectedRet-0-realRet-141",
                lambda n, c, t: "assertion", "python/unittest/junit-jenkins-stdout")


def junit2html_6700():
    # <error> sits directly under <testsuite> in this report
    path = "tests/junit-report-6700.xml"
    src = show(J2H, path)
    if src is None:
        return
    root = ET.fromstring(src.encode("utf-8"))
    for err in root.iter("error"):
        add("jvm/junit2html/junit-report-6700/%s" % root.get("name"), "java", "ant-junit",
            "junit-xml-suite-error", "%s@%s:%s#testsuite=%s" % (J2H, commit(J2H), path, root.get("name")),
            "jvm/gda/NoClassDefFoundError-DAServer", "dependency", root.get("name") or "",
            err.text or "", classname=root.get("name"), type=err.get("type"))


# ---------------------------------------------------------------- hand-saved issue excerpts
def manual():
    for fn in sorted(glob.glob(os.path.join(MANUAL, "*.txt"))):
        raw = open(fn, encoding="utf-8").read()
        header, _, body = raw.partition("\n")
        url = header.split("URL: ", 1)[1].strip()
        # blocks: "=== BLOCK key=value; key=value\n<text>" ; text ends at next === BLOCK
        for m in re.finditer(r"^=== BLOCK ([^\n]*)\n(.*?)(?=^=== BLOCK |\Z)", body, re.M | re.S):
            meta = dict(kv.split("=", 1) for kv in m.group(1).split("; "))
            text = m.group(2)
            if text.endswith("\n\n"):
                text = text[:-1]
            base = os.path.basename(fn)[:-4]
            add("%s/%s" % (base, meta["name"]), meta["lang"], meta["runner"], meta["shape"],
                "%s#%s" % (url, meta["name"]), meta["cause"], meta["category"], meta["name"], text,
                classname=meta.get("classname"), file=meta.get("file"), type=meta.get("type"))


def main():
    criterion()
    boost_test_tools()
    boost_errors_handling()
    junit2html()
    junit2html_6700()
    go2xunit()
    go_json("robherley/go-test-action", "__tests__/fixtures/gotestoutput.txt", "go/go-test-action",
            "go/go-test-action/", go_test_action_cat)
    go_json("bitfield/gotestdox", "testdata/script/tests_fail.txtar", "go/gotestdox",
            "go/gotestdox/", lambda p, t, x: ("dummy/" + t, "assertion"))
    richgo()
    testng()
    manual()
    if missing:
        print("not writing %s: %d mirror(s) missing; run:" % (OUT, len(missing)), file=sys.stderr)
        for repo in missing:
            print("  fetch github:%s" % repo, file=sys.stderr)
        return 1
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %d records to %s" % (len(records), OUT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
