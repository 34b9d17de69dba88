#!/usr/bin/env python3
"""Extract real C/C++ test-failure texts for the failtale evaluation set.

Reads bare git mirrors under $FAILTALE_MIRRORS (default /work/.mirror),
named <owner>+<repo>/repo, plus hand-saved texts under
/work/cache/failtale-eval/manual/cpp/*.txt, and writes
/work/cache/failtale-eval/cpp.jsonl (format: /work/cache/failtale-eval/FORMAT.md).

No network access.  When a mirror is missing, it prints the
`fetch github:owner/name` that is needed and skips that source.
"""
import glob
import html
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
OUT_DIR = os.environ.get("FAILTALE_EVAL", "/work/cache/failtale-eval")
OUT = os.path.join(OUT_DIR, "cpp.jsonl")
MANUAL = os.path.join(OUT_DIR, "manual", "cpp")

records = []
missing = []


def gitdir(repo):
    d = os.path.join(MIRRORS, repo.replace("/", "+"), "repo")
    if not os.path.isdir(d):
        missing.append(repo)
        return None
    return d


def git(repo, *args):
    d = gitdir(repo)
    if d is None:
        return None
    return subprocess.run(["git", "--git-dir=" + d] + list(args),
                          check=True, capture_output=True).stdout


def show(repo, path, rev="HEAD"):
    b = git(repo, "show", rev + ":" + path)
    return None if b is None else b.decode("utf-8", "replace")


def short_head(repo):
    b = git(repo, "rev-parse", "--short=8", "HEAD")
    return None if b is None else b.decode().strip()


def ls(repo):
    b = git(repo, "ls-tree", "-r", "HEAD", "--name-only")
    return [] if b is None else b.decode().splitlines()


def slug(s, n=90):
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s[:n].strip("-") or "x"


_ids = Counter()


def add(**kw):
    rid = kw.pop("id")
    _ids[rid] += 1
    if _ids[rid] > 1:
        rid = "%s~%d" % (rid, _ids[rid])
    rec = {"id": rid, "lang": "cpp"}
    for k in ("runner", "shape", "source", "cause", "category", "name",
              "classname", "file", "type", "text"):
        if k in kw and kw[k] is not None:
            rec[k] = kw[k]
    records.append(rec)


ANSI = re.compile(r"\x1b\[[0-9;]*m")

# ---------------------------------------------------------------------------
# googletest console golden files
# ---------------------------------------------------------------------------

# Tests that fail on the same defect (shared helper / typed or parametrized
# instances of one TEST body / one misuse reported for several tests).
GTEST_CAUSE_OVERRIDES = {
    # TryTestSubroutine()/nested both end in TestEq1(2): ASSERT_EQ(1, x)
    "FatalFailureTest.FatalFailureInSubroutine": "fatal-failure-in-testeq1-helper",
    "FatalFailureTest.FatalFailureInNestedSubroutine": "fatal-failure-in-testeq1-helper",
    # all three end in SubWithoutTrace(n): EXPECT_EQ(1, n) / ASSERT_EQ(2, n)
    "SCOPED_TRACETest.WorksInLoop": "subwithouttrace-helper-expect-eq",
    "SCOPED_TRACETest.WorksInSubroutine": "subwithouttrace-helper-expect-eq",
    "SCOPED_TRACETest.CanBeNested": "subwithouttrace-helper-expect-eq",
    # one TYPED_TEST body FAIL() for each type
    "TypedTestWithNames/char0.Failure": "typedtestwithnames-failure-body",
    "TypedTestWithNames/int1.Failure": "typedtestwithnames-failure-body",
    # one TYPED_TEST_P body EXPECT_EQ(1U, TypeParam()) in two instantiations
    "Unsigned/TypedTestP/0.Failure": "typedtestp-failure-expect-eq-1u",
    "Unsigned/TypedTestP/1.Failure": "typedtestp-failure-expect-eq-1u",
    "UnsignedCustomName/TypedTestP/unsignedChar0.Failure": "typedtestp-failure-expect-eq-1u",
    "UnsignedCustomName/TypedTestP/unsignedInt1.Failure": "typedtestp-failure-expect-eq-1u",
    # two fixture classes named the same in different namespaces
    "MixedUpTestSuiteTest.ThisShouldFail": "mixedup-testsuite-two-fixture-classes",
    "MixedUpTestSuiteTest.ThisShouldFailToo": "mixedup-testsuite-two-fixture-classes",
    # the same tests before "test case" was renamed "test suite" (2010 golden)
    "MixedUpTestCaseTest.ThisShouldFail": "mixedup-testsuite-two-fixture-classes",
    "MixedUpTestCaseTest.ThisShouldFailToo": "mixedup-testsuite-two-fixture-classes",
    "MixedUpTestCaseWithSameTestNameTest.TheSecondTestWithThisNameShouldFail":
        "mixeduptestsuitewithsametestnametest-thesecondtestwiththisnameshouldfail",
}

RUN_RE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[ RUN      \] (?:\x1b\[[0-9;]*m)?(.*)$")
FAILED_RE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[  FAILED  \] (?:\x1b\[[0-9;]*m)?(.*?)(?: \(.*ms\))?$")
SUITE_RE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[----------\] ")


def gtest_console(repo, path, prefix, overrides, file_hint, category_fn=None,
                  shape="gtest-console", rev=None):
    txt = show(repo, path, rev or "HEAD")
    if txt is None:
        return
    head = rev[:8] if rev else short_head(repo)
    lines = txt.split("\n")
    cur = None
    buf = []
    run_no = 0
    seen = Counter()
    for ln in lines:
        if ln.startswith("Note: Google Test filter") or ln.startswith("[==========] Running") or ANSI.sub("", ln).startswith("[==========] Running"):
            run_no += 1
        if ANSI.sub("", ln).startswith("[==========]"):
            cur = None
            buf = []
            continue
        m = RUN_RE.match(ln)
        if m:
            cur = m.group(1)
            buf = [ln]
            continue
        if SUITE_RE.match(ln) and cur is None:
            buf = []
            continue
        m = FAILED_RE.match(ln)
        if m and (cur is not None or buf):
            name = m.group(1)
            buf.append(ln)
            text = "\n".join(buf)
            if "Failure" in text or "FAILED" in text:
                base = re.sub(r", where .*$", "", name)
                key = overrides.get(base, slug(base))
                seen[base] += 1
                cat = category_fn(text) if category_fn else "assertion"
                add(id="cpp/googletest/%s/%s/%s/%d" % (prefix, os.path.basename(path), slug(base, 70), seen[base]),
                    runner="googletest", shape=shape,
                    source="%s@%s:%s#run%d:%s" % (repo, head, path, run_no, base),
                    cause="cpp/googletest/%s/%s" % (prefix, key), category=cat,
                    name=name, classname=base.split(".")[0], file=file_hint, text=text)
            cur = None
            buf = []
            continue
        if cur is not None:
            buf.append(ln)
        elif not SUITE_RE.match(ln):
            # failures printed before a RUN line (e.g. test suites whose
            # RUN line is absent in golden output)
            if buf or re.match(r"^\S+:(#|\d+): Failure", ln):
                buf.append(ln)


def gtest_xml_key(suite, name):
    # XML and JSON reports of the same test program share causes
    return slug(suite + "." + name) if name else slug(suite + "-setup-or-teardown")


def _py_value(node, env):
    """Evaluate the literal dict/list/str (+ concatenation) used by the
    googletest python tests for their expected JSON documents."""
    import ast
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        return {_py_value(k, env): _py_value(v, env) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_py_value(e, env) for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _py_value(node.left, env) + _py_value(node.right, env)
    if isinstance(node, ast.Name):
        return env[node.id]
    raise ValueError(ast.dump(node))


def gtest_json(repo, head):
    import ast
    path = "googletest/test/googletest-json-output-unittest.py"
    src = show(repo, path)
    if src is None:
        return
    tree = ast.parse(src)
    # the test passes --no_stacktrace_support where traces are unsupported
    env = {"STACK_TRACE_TEMPLATE": "\n"}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        var = node.targets[0].id
        if var not in ("EXPECTED_NON_EMPTY", "EXPECTED_NO_TEST"):
            continue
        doc = "no-test" if var == "EXPECTED_NO_TEST" else "non-empty"
        data = _py_value(node.value, env)
        for suite in data.get("testsuites", []):
            for tc in suite.get("testsuite", []):
                fails = tc.get("failures")
                if not fails:
                    continue
                name = tc.get("name", "")
                key = gtest_xml_key(suite["name"], name)
                text = "\n".join(f["failure"] for f in fails)
                tname = "%s.%s" % (tc.get("classname", ""), name) if name else suite["name"] + " (SetUpTestSuite/TearDownTestSuite)"
                add(id="cpp/googletest/json-output/%s/%s" % (doc, key),
                    runner="googletest", shape="gtest-json",
                    source="%s@%s:%s#%s.%s" % (repo, head, path, var, tname),
                    cause="cpp/googletest/xml-output/%s/%s" % (doc, key), category="assertion",
                    name=name, classname=tc.get("classname"), file=tc.get("file"),
                    type=fails[0].get("type"), text=text)


def do_googletest():
    repo = "google/googletest"
    gtest_console(repo, "googletest/test/googletest-output-test-golden-lin.txt",
                  "output-test", GTEST_CAUSE_OVERRIDES, "googletest-output-test_.cc",
                  shape="gtest-console-golden")
    # The Windows golden file (MSVC-style "file:#: error:" lines) of the
    # same output test, last present before commit a9f380f5 removed it.
    # Same test program, same deliberate failures -> same causes.
    try:
        gtest_console(repo, "test/gtest_output_test_golden_win.txt",
                      "output-test", GTEST_CAUSE_OVERRIDES, "gtest_output_test_.cc",
                      shape="gtest-console-golden-msvc",
                      rev="5c4b472bbf8c81fc3d52fc69a92f174821a96280")
    except subprocess.CalledProcessError:
        print("googletest mirror lacks history (need commit 5c4b472b); "
              "skipping the Windows golden file", file=sys.stderr)
    gtest_console(repo, "googlemock/test/gmock_output_test_golden.txt",
                  "gmock-output-test", {}, "gmock_output_test_.cc",
                  shape="gmock-console-golden")
    # XML / JSON output goldens embedded in the python tests
    src = show(repo, "googletest/test/gtest_xml_output_unittest.py")
    if src is None:
        return
    head = short_head(repo)
    gtest_json(repo, head)
    # the test substitutes "\n" when stack traces are not supported
    stack = "\n"
    for m in re.finditer(r'<testcase name="([^"]*)"([^>]*?)classname="([^"]*)"[^>]*>\s*((?:<failure .*?</failure>\s*)+)', src, re.S):
        name, attrs, cls, fails = m.groups()
        fm = re.search(r'file="([^"]*)"', m.group(0))
        bodies = re.findall(r'<failure message="([^"]*)" type="([^"]*)"><!\[CDATA\[(.*?)\]\]></failure>', fails, re.S)
        # CDATA may be split (]]>]]&gt;<![CDATA[): reassemble raw text
        raw = re.findall(r'<failure [^>]*>(.*?)</failure>', fails, re.S)
        texts = []
        for r in raw:
            t = re.sub(r'\]\]>\]\]&gt;<!\[CDATA\[', ']]>', r)
            t = t.replace("<![CDATA[", "").replace("]]>", "", 1) if t.count("]]>") == 1 else re.sub(r"^<!\[CDATA\[|\]\]>$", "", t)
            texts.append(t.replace("%(stack)s", stack))
        text = "\n".join(texts)
        offs = m.start()
        suite = re.findall(r'<testsuite name="([^"]*)"', src[:offs])[-1]
        tname = "%s.%s" % (cls, name) if name else suite + " (SetUpTestSuite/TearDownTestSuite)"
        # which expected document
        doc = "no-test" if suite == "NonTestSuiteFailure" else "non-empty"
        key = gtest_xml_key(suite, name)
        first = texts[0]
        # SetUpTestSuite/TearDownTestSuite failures are reported on a testcase
        # with empty name; each is its own defect.
        add(id="cpp/googletest/xml-output/%s/%s" % (doc, key),
            runner="googletest", shape="gtest-junit-xml",
            source="%s@%s:googletest/test/gtest_xml_output_unittest.py#%s" % (repo, head, tname),
            cause="cpp/googletest/xml-output/%s/%s" % (doc, key), category="assertion",
            name=name, classname=cls, file=fm.group(1) if fm else None,
            type=bodies[0][1] if bodies else "", text=text)


# ---------------------------------------------------------------------------
# Catch2 approved baselines
# ---------------------------------------------------------------------------

CATCH_SEP = "-" * 79


def catch_base(name):
    """Test case key: strips the template instantiation suffix."""
    n = name.strip()
    # template test cases: "<name> - <type>" / "<name> - <index>"
    if re.search(r"TEMPLATE|Template|template", n) and " - " in n:
        n = n.rsplit(" - ", 1)[0]
    return n


def catch_key(test, sections):
    k = catch_base(test)
    if sections:
        # the console reporter and the JUnit reporter do not always list
        # nested section names in the same order; the set identifies the path
        k += "/" + "/".join(sorted(sections))
    return "cpp/catch2/" + slug(k, 140)


class CatchCtx:
    def __init__(self, repo):
        self.repo = repo
        self.head = short_head(repo)
        self.names = []          # all test case names (from the XML reporter)
        self.console_paths = defaultdict(set)  # test name -> failing section paths
        self.console_cat = {}    # cause -> category
        self.dropped = 0

    def split(self, name):
        for n in self.names:
            if name == n:
                return n, []
            if name.startswith(n + "/"):
                return n, name[len(n) + 1:].split("/")
        return name, []

    def test_level_key(self, test):
        paths = self.console_paths.get(test)
        if not paths:
            return None  # not a failure of the standard run
        if len(paths) == 1:
            return catch_key(test, list(next(iter(paths))))
        return None  # several distinct failing sections in one text


def catch_console(ctx, path):
    txt = show(ctx.repo, path)
    blocks = txt.split(CATCH_SEP + "\n")
    i = 1
    seen = Counter()
    while i + 1 < len(blocks):
        header = blocks[i]
        body = blocks[i + 1]
        if "FAILED" not in body:
            i += 2
            continue
        body = body.split("\n" + "=" * 79)[0]
        hl = header.rstrip("\n").split("\n")
        test = " ".join(h for h in hl if not h.startswith("  "))
        # long names are wrapped by the console reporter: find the real name
        squashed = "".join(h for h in hl if not h.startswith("  ")).replace(" ", "")
        for n in ctx.names:
            if n.replace(" ", "") == squashed:
                test = n
                break
        sections = [h.strip() for h in hl if h.startswith("  ")]
        text = CATCH_SEP + "\n" + header + CATCH_SEP + "\n" + body.rstrip("\n") + "\n"
        key = catch_key(test, sections)
        ctx.console_paths[test].add(tuple(sections))
        nfail = body.count("FAILED:")
        # an exception escaping a REQUIRE/CHECK or the test body is a panic;
        # one caught by *_THROWS*/*_NOTHROW assertions is an assertion failure
        nexc = len(re.findall(r"FAILED:\n(?:  (?!\S*(?:NOTHROW|THROWS))\S.*\n)?due to unexpected exception", body))
        if "fatal error condition" in body:
            cat = "crash"
        elif nexc and nexc == nfail:
            cat = "panic"
        else:
            cat = "assertion"
        ctx.console_cat[key] = cat
        full = " / ".join([test] + sections)
        seen[key] += 1
        fm = re.search(r"^(\S+?):<line number>", body.strip(), re.M)
        add(id="cpp/catch2/%s/%s/%d" % (os.path.basename(path), key[11:], seen[key]),
            runner="catch2", shape="catch2-console",
            source="%s@%s:%s#%s" % (ctx.repo, ctx.head, path, full),
            cause=key, category=cat, name=full, file=fm.group(1) if fm else None,
            text=text)
        i += 2


def text_cat(t):
    n_exc = len(re.findall(r"unexpected exception", t))
    n_all = len(re.findall(r"FAILED|not ok|<failure|testFailed|success=\"false\"", t))
    return "panic" if n_exc and "expansion" not in t and n_exc >= n_all else "assertion"


def catch_junit(ctx, path, shape, tag):
    txt = show(ctx.repo, path)
    seen = Counter()
    pat = r'<%s ((?:[^>"]|"[^"]*")*?)(?<!/)>(.*?)</%s>' % (tag, tag)
    for m in re.finditer(pat, txt, re.S):
        attrs, inner = m.groups()
        if "<failure" not in inner and "<error" not in inner:
            continue
        name = html.unescape(re.search(r'(?:^|\s)name="([^"]*)"', attrs).group(1))
        cls = re.search(r'classname="([^"]*)"', attrs)
        parts = re.findall(r'<(failure|error)((?:[^>"]|"[^"]*")*)>(.*?)</(?:failure|error)>', inner, re.S)
        # (the closing tag's indentation is XML layout, not failure text)
        text = "\n".join(re.sub(r"\n[ \t]*$", "", html.unescape(p[2]).strip("\n")) for p in parts)
        ty = re.search(r'type="([^"]*)"', parts[0][1])
        test, sections = ctx.split(name)
        key = catch_key(test, sections)
        seen[key] += 1
        fm = None
        if tag == "testCase":
            fm = re.findall(r'<file path="([^"]*)"', txt[:m.start()])
        add(id="cpp/catch2/%s/%s/%d" % (os.path.basename(path), key[11:], seen[key]),
            runner="catch2", shape=shape,
            source="%s@%s:%s#%s" % (ctx.repo, ctx.head, path, name),
            cause=key, category=ctx.console_cat.get(key) or text_cat(text),
            name=name, classname=html.unescape(cls.group(1)) if cls else None,
            file=fm[-1] if fm else None,
            type=ty.group(1) if ty else None, text=text)


def add_test_level(ctx, path, shape, name, text):
    key = ctx.test_level_key(name)
    if key is None:
        ctx.dropped += 1
        return
    add(id="cpp/catch2/%s/%s" % (os.path.basename(path), slug(name, 120)),
        runner="catch2", shape=shape,
        source="%s@%s:%s#%s" % (ctx.repo, ctx.head, path, name),
        cause=key, category=ctx.console_cat.get(key) or text_cat(text),
        name=name, text=text)


def catch_teamcity(ctx, path):
    txt = show(ctx.repo, path)
    per = defaultdict(list)
    order = []
    for ln in txt.split("\n"):
        m = re.match(r"##teamcity\[testFailed name='((?:[^'|]|\|.)*)'", ln)
        if m:
            n = m.group(1)
            if n not in per:
                order.append(n)
            per[n].append(ln)
    for n in order:
        name = re.sub(r"\|(.)", lambda mm: {"n": "\n", "r": "\r"}.get(mm.group(1), mm.group(1)), n)
        add_test_level(ctx, path, "catch2-teamcity", name, "\n".join(per[n]))


def catch_tap(ctx, path):
    txt = show(ctx.repo, path)
    cur = None
    per = defaultdict(list)
    order = []
    for ln in txt.split("\n"):
        if ln.startswith("# "):
            cur = ln[2:]
            continue
        if ln.startswith("not ok") and cur is not None:
            if cur not in per:
                order.append(cur)
            per[cur].append(ln)
    for n in order:
        add_test_level(ctx, path, "catch2-tap", n, "# " + n + "\n" + "\n".join(per[n]))


def catch_xml_names(ctx, path):
    txt = show(ctx.repo, path)
    names = {html.unescape(n) for n in re.findall(r'<TestCase name="([^"]*)"', txt)}
    ctx.names = sorted(names, key=len, reverse=True)


def catch_xml(ctx, path):
    txt = show(ctx.repo, path)
    for m in re.finditer(r'<TestCase name="([^"]*)"[^>]*>(.*?)<OverallResult success="(true|false)"[^>]*/>\s*</TestCase>', txt, re.S):
        name, inner, ok = m.groups()
        if ok == "true":
            continue
        name = html.unescape(name)
        frags = re.findall(r'(<Expression success="false".*?</Expression>|<(FatalErrorCondition|Exception|Failure)\b.*?</\2>)', inner, re.S)
        if not frags:
            continue
        add_test_level(ctx, path, "catch2-xml", name, "\n".join(f[0] for f in frags))


# Test cases of the self-test suite that fail because the same helper,
# thisThrows() in Exception.tests.cpp, throws std::domain_error("expected
# exception") where no exception is expected: one defect, several tests.
CATCH_CAUSE_OVERRIDES = {
    k: ("cpp/catch2/exception-tests-thisthrows-helper-throws-domain-error", "panic")
    for k in (
        "cpp/catch2/when-unchecked-exceptions-are-thrown-from-functions-they-are-always-failures",
        "cpp/catch2/when-unchecked-exceptions-are-thrown-during-a-require-the-test-should-abort-fail",
        "cpp/catch2/when-unchecked-exceptions-are-thrown-during-a-check-the-test-should-continue",
        "cpp/catch2/748-captures-with-unexpected-exceptions-outside-assertions",
        "cpp/catch2/748-captures-with-unexpected-exceptions-inside-require-nothrow",
    )
}


def do_catch2():
    repo = "catchorg/Catch2"
    if gitdir(repo) is None:
        return
    ctx = CatchCtx(repo)
    B = "tests/SelfTest/Baselines/"
    catch_xml_names(ctx, B + "xml.sw.approved.txt")
    catch_console(ctx, B + "console.std.approved.txt")
    catch_junit(ctx, B + "junit.sw.approved.txt", "catch2-junit", "testcase")
    catch_junit(ctx, B + "sonarqube.sw.approved.txt", "catch2-sonarqube", "testCase")
    catch_teamcity(ctx, B + "teamcity.sw.approved.txt")
    catch_tap(ctx, B + "tap.sw.approved.txt")
    catch_xml(ctx, B + "xml.sw.approved.txt")
    for r in records:
        if r["cause"] in CATCH_CAUSE_OVERRIDES:
            r["cause"], r["category"] = CATCH_CAUSE_OVERRIDES[r["cause"]]
    if ctx.dropped:
        print("catch2: %d test-level texts dropped (several failing sections, or not failing in the standard run)" % ctx.dropped, file=sys.stderr)


# ---------------------------------------------------------------------------
# doctest example outputs
# ---------------------------------------------------------------------------

DOCTEST_FILES = [
    "assertion_macros.cpp", "alternative_macros.cpp", "coverage_maxout.cpp",
    "double_stringification.cpp", "enums.cpp", "generators.cpp", "header.h",
    "logging.cpp", "stringification.cpp", "subcases.cpp",
    "templated_test_cases.cpp", "test_cases_and_suites.cpp",
    "asserts_used_outside_of_tests.cpp", "doctest_proxy.h",
]


def doctest_base(name):
    n = name.strip()
    n = re.sub(r"<[^<>]*(<[^<>]*>[^<>]*)*>$", "", n)  # templated<int> -> templated
    return n


def doctest_cat(text):
    errs = re.findall(r"(?:ERROR|FATAL ERROR): (.*)", text)
    if errs and all(re.search(r"THREW exception|TEST CASE THREW|threw", e) and "CHECK_NOTHROW" not in e and "REQUIRE_NOTHROW" not in e and "DIFFERENT" not in e for e in errs):
        return "panic"
    if re.search(r"crashed|SIGSEGV|signal", text):
        return "crash"
    return "assertion"


def do_doctest():
    repo = "doctest/doctest"
    if gitdir(repo) is None:
        return
    head = short_head(repo)
    O = "examples/all_features/test_output/"
    files = set(ls(repo))
    for f in DOCTEST_FILES:
        p = O + f + ".txt"
        if p not in files:
            continue
        txt = show(repo, p)
        causecat = {}
        console_names = set()
        first = len(records)
        blocks = txt.split("=" * 79 + "\n")
        seen = Counter()
        for b in blocks:
            m = re.match(r"(\S+\(\d+\)):\n(?:TEST (?:SUITE|CASE): |  Scenario: )", b)
            if not m or ("ERROR" not in b):
                continue
            b = b.split("\n" + "=" * 79)[0].rstrip("\n")
            b = re.split(r"\n\[doctest\] test cases:", b)[0].rstrip("\n")
            mm = re.search(r"^TEST CASE:  (.*)$", b, re.M)
            name = mm.group(1) if mm else "?"
            if b.split("\n")[1].startswith("  Scenario: "):
                # BDD scenario: the Given/When/Then path names the case
                hdr = b.split("\n\n")[0].split("\n")[1:]
                name = "/".join(h.strip() for h in hdr)
            subs = []
            for ln in b[mm.end():].split("\n")[1:] if mm else []:
                if ln.startswith("  ") and not ln.startswith("   "):
                    subs.append(ln.strip())
                else:
                    break
            console_names.add(name)
            base = doctest_base(name)
            ck = "cpp/doctest/%s/%s" % (slug(f), slug(base))
            seen[base] += 1
            cat = doctest_cat(b)
            causecat.setdefault(ck, []).append(cat)
            add(id="cpp/doctest/%s/%s/%d" % (f, slug(base, 70), seen[base]),
                runner="doctest", shape="doctest-console",
                source="%s@%s:%s#%s" % (repo, head, p, " / ".join([name] + subs)),
                cause=ck, category=cat, name=" / ".join([name] + subs), file=f,
                text="=" * 79 + "\n" + b + "\n")
        # one category per cause: the one most of its console blocks show
        for r in records[first:]:
            r["category"] = Counter(causecat[r["cause"]]).most_common(1)[0][0]
        px = O + f + "_xml.txt"
        if px in files:
            doctest_xml(repo, head, px, f, causecat)
        pj = O + f + "_junit.txt"
        if pj in files:
            jt = show(repo, pj)
            for m in re.finditer(r'<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(?<!/)>(.*?)</testcase>', jt, re.S):
                cls, name, inner = m.groups()
                parts = re.findall(r'<(failure|error)((?:[^>"]|"[^"]*")*)>(.*?)</(?:failure|error)>', inner, re.S)
                if not parts:
                    continue
                name = html.unescape(name)
                tname = name
                for cn in sorted(console_names, key=len, reverse=True):
                    if name == cn or name.startswith(cn + "/"):
                        tname = cn
                        break
                if name.strip().startswith("Scenario: "):
                    tname = "/".join(x.strip() for x in name.split("/"))
                base = doctest_base(tname)
                ck = "cpp/doctest/%s/%s" % (slug(f), slug(base))
                text = "\n".join(re.sub(r"\n[ \t]*$", "", html.unescape(p[2]).strip("\n")) for p in parts)
                ty = re.search(r'type="([^"]*)"', parts[0][1])
                cats = causecat.get(ck)
                cat = Counter(cats).most_common(1)[0][0] if cats else doctest_cat("ERROR: " + text)
                seen["junit:" + base] += 1
                add(id="cpp/doctest/%s_junit/%s/%d" % (f, slug(base, 70), seen["junit:" + base]),
                    runner="doctest", shape="doctest-junit",
                    source="%s@%s:%s#%s" % (repo, head, pj, name),
                    cause=ck, category=cat, name=name, classname=html.unescape(cls),
                    file=f, type=ty.group(1) if ty else None, text=text)


def doctest_xml(repo, head, path, f, causecat):
    txt = show(repo, path)
    seen = Counter()
    for m in re.finditer(r'<TestCase name="([^"]*)"[^>]*>(.*?)</TestCase>', txt, re.S):
        name, inner = m.groups()
        if 'test_case_success="false"' not in inner:
            continue
        name = html.unescape(name)
        if name.strip().startswith("Scenario:"):
            continue  # several BDD paths (distinct causes) in one element
        frags = re.findall(r'(<Expression success="false".*?</Expression>|<Exception crash=.*?</Exception>|<Message type="(?:ERROR|FATAL ERROR)".*?</Message>)', inner, re.S)
        if not frags:
            continue
        base = doctest_base(name)
        ck = "cpp/doctest/%s/%s" % (slug(f), slug(base))
        cats = causecat.get(ck)
        if not cats:
            continue  # not a failure of the console run
        seen[base] += 1
        add(id="cpp/doctest/%s_xml/%s/%d" % (f, slug(base, 70), seen[base]),
            runner="doctest", shape="doctest-xml",
            source="%s@%s:%s#%s" % (repo, head, path, name),
            cause=ck, category=Counter(cats).most_common(1)[0][0], name=name,
            file=f, text="\n".join(frags))


# ---------------------------------------------------------------------------
# sanitizer / CHECK reports kept as test fixtures by crash-triage tools
# (real reports from fuzzing and test runs; each file is one run's output)
# ---------------------------------------------------------------------------

CF_DIR = "src/clusterfuzz/_internal/tests/core/crash_analysis/stack_parsing/stack_analyzer_data/"
FM_DIR = "FTB/Signatures/tests/fixtures/"

# (file, runner, shape, category, cause-or-None)
# cause None -> its own cause.  Files that the tools' authors derived from
# another fixture by editing addresses/words (e.g. *_unknown_*, *_write
# twins, ubsan_fpe/ubsan_ill re-labelled copies) are left out.
CLUSTERFUZZ = [
    ("android_asan_null_dereference_read.txt", "asan", "asan-report", "crash", None),
    ("android_asan_uaf.txt", "asan", "asan-report", "crash", None),
    ("asan_assert_failure.txt", "asan", "asan-report-after-assert", "assertion", None),
    ("asan_breakpoint.txt", "asan", "asan-report-windows", "crash", None),
    ("asan_breakpoint_with_check.txt", "asan", "chromium-check-then-asan", "assertion", None),
    ("asan_bus.txt", "asan", "asan-report", "crash", None),
    ("asan_container_overflow_read.txt", "asan", "asan-report", "crash", None),
    ("asan_double_free.txt", "asan", "asan-report", "crash", None),
    ("asan_fpe.txt", "asan", "asan-report", "crash", None),
    ("asan_gsignal.txt", "asan", "asan-report", "crash", None),
    ("asan_heap_overflow_read.txt", "asan", "asan-report", "crash", None),
    ("asan_heap_overflow_write.txt", "asan", "asan-report-windows", "crash", None),
    ("asan_ill.txt", "asan", "asan-report", "crash", None),
    ("asan_invalid_free.txt", "asan", "asan-report", "crash", None),
    ("asan_null_dereference_read.txt", "asan", "asan-report", "crash", None),
    ("asan_null_dereference_unknown.txt", "asan", "asan-report", "crash", None),
    ("asan_null_dereference_win_read.txt", "asan", "asan-report-windows", "crash", None),
    ("asan_null_dereference_write.txt", "asan", "asan-report", "crash", None),
    ("asan_stack_overflow.txt", "asan", "asan-report", "crash", None),
    ("asan_stack_overflow2.txt", "asan", "asan-report", "crash", None),
    ("asan_uaf.txt", "asan", "asan-report", "crash", None),
    ("asan_unknown_crash_read.txt", "asan", "asan-report", "crash", None),
    ("assert.txt", "asan", "asan-report", "crash", None),
    ("assert_chromium_log.txt", "asan", "chromium-check-then-asan", "assertion", None),
    ("assert_failure_google.txt", "glog", "glog-fatal-then-asan", "assertion", None),
    ("assert_glibc.txt", "asan", "libc-assert-then-asan", "assertion", None),
    ("assert_glibc_with_glib.txt", "ubsan", "glib-critical-then-ubsan", "assertion", None),
    ("assert_with_panic_keyword.txt", "asan", "envoy-panic-then-asan", "panic", None),
    ("browser_uaf.txt", "asan", "asan-report", "crash", None),
    ("browser_uaf3.txt", "asan", "asan-report", "crash", None),
    ("centipede_uaf.txt", "asan", "centipede-asan-report", "crash", None),
    ("check_eq_multiline.txt", "chromium-check", "chromium-check-libfuzzer", "assertion", None),
    ("check_failure_android_media.txt", "android-log-assert", "android-tombstone", "assertion", None),
    ("check_failure_android_media2.txt", "android-log-assert", "android-tombstone", "assertion", None),
    ("check_failure_chrome.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("check_failure_chrome_android.txt", "chromium-check", "chromium-fatal-android", "timeout", None),
    ("check_failure_chrome_android2.txt", "chromium-check", "chromium-check-android", "assertion", None),
    ("check_failure_chrome_mac.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("check_failure_chrome_win.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("check_failure_google.txt", "glog", "glog-check-then-asan", "assertion", None),
    ("check_failure_vs_no_closing.txt", "glog", "glog-check-then-asan", "assertion", None),
    ("check_failure_with_assert_message.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("check_failure_with_comparison2.txt", "chromium-check", "chromium-check-log", "assertion", None),
    # the same V8 CHECK reached in two runs (handle_sigill=0 / =1)
    ("check_failure_with_handle_sigill=0.txt", "v8-check", "v8-fatal-check", "assertion", "v8-vector-h-24-length-check"),
    ("check_failure_with_handle_sigill=1.txt", "v8-check", "v8-fatal-check-then-asan", "assertion", "v8-vector-h-24-length-check"),
    ("check_failure_with_msan_abrt.txt", "msan", "chromium-check-then-msan", "assertion", None),
    ("check_failure_with_string_vs_string.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("check_log_message.txt", "chromium-check", "chromium-check-windows", "assertion", None),
    ("chrome_check_semicolon.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("cobalt_check.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("fuchsia_asan.txt", "asan", "asan-report-fuchsia", "crash", None),
    ("googletest.txt", "asan", "asan-report-gtest-abort", "assertion", None),
    ("gpu_crash_with_asan.txt", "asan", "asan-report", "crash", None),
    ("hwasan_allocation_tail_overwritten.txt", "hwasan", "hwasan-report", "crash", None),
    ("hwasan_tag_mismatch.txt", "hwasan", "hwasan-report", "crash", None),
    ("ignore_asan_warning.txt", "v8-check", "v8-fatal-check", "assertion", None),
    ("libfuzzer_deadly_signal.txt", "libfuzzer", "libfuzzer-deadly-signal", "crash", None),
    ("libfuzzer_fuzz_target_exited.txt", "libfuzzer", "libfuzzer-target-exited", "other", None),
    ("libfuzzer_llvm_fuzzer_test_one_input_crash.txt", "asan", "libc-assert-then-asan", "assertion", None),
    ("libfuzzer_oom.txt", "libfuzzer", "libfuzzer-oom", "resource", None),
    ("libfuzzer_oom_malloc.txt", "libfuzzer", "libfuzzer-oom", "resource", None),
    ("libfuzzer_overwrites_const_input.txt", "libfuzzer", "libfuzzer-overwrites-const-input", "other", None),
    ("libfuzzer_timeout.txt", "libfuzzer", "libfuzzer-timeout", "timeout", None),
    ("lsan_direct_leak.txt", "lsan", "lsan-report", "resource", None),
    ("lsan_indirect_leak_cycle.txt", "lsan", "lsan-report", "resource", None),
    ("lsan_multiple_leaks.txt", "lsan", "lsan-report", "resource", None),
    ("lsan_single_frame_stacks.txt", "lsan", "lsan-report", "resource", None),
    ("msan_browser.txt", "msan", "msan-report", "crash", None),
    ("msan_renderer.txt", "msan", "msan-report", "crash", None),
    ("msan_uninitialized_value.txt", "msan", "msan-report", "crash", None),
    ("oom.txt", "chromium-check", "chromium-fatal-oom", "resource", None),
    ("oom2.txt", "asan", "asan-allocator-oom", "resource", None),
    ("oom3.txt", "asan", "asan-allocation-size-too-big", "resource", None),
    ("oom4.txt", "msan", "msan-allocation-size-too-big", "resource", None),
    ("sanitizer_illegal_instruction_windows.txt", "asan", "asan-report-windows", "crash", None),
    ("sanitizer_oom.txt", "asan", "asan-allocator-oom", "resource", None),
    ("sanitizer_signal_abrt.txt", "asan", "asan-report", "crash", None),
    ("sanitizer_signal_abrt_unknown.txt", "asan", "asan-report", "assertion", None),
    ("security_check_failure.txt", "chromium-check", "chromium-check-log", "assertion", None),
    ("security_dcheck_failure_with_abrt.txt", "asan", "chromium-check-then-asan", "assertion", None),
    ("suffixed_glibc_assert.txt", "asan", "libcxx-assert-then-asan", "assertion", None),
    ("tsan_data_race.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan_use_after_free.txt", "tsan", "tsan-report", "crash", None),
    ("ubsan_assumption_violation.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_bad_cast_downcast.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_bad_cast_member_call.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_divide_by_zero.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_implicit_conversion.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_incorrect_function_pointer_type.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_index_oob.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_integer_overflow_addition.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_integer_overflow_negation.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_invalid_bool_value.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_misaligned_address.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_non_positive_vla_bound_value.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_null_pointer_member_access.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_null_pointer_member_call.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_null_pointer_read.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_null_pointer_reference_binding.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_object_size.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_pointer_overflow.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_pointer_overflow_null_nonzero_offset.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_pointer_overflow_null_zero_offset.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_unsigned_integer_overflow.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("ubsan_upcast_of_null_pointer.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("cfi_bad_cast.txt", "ubsan", "cfi-runtime-error", "crash", None),
    ("cfi_bad_cast_indirect_fc.txt", "ubsan", "cfi-runtime-error", "crash", None),
    # the same CFI failure at test/cfi/simple-fail.cpp:103, two runs
    ("cfi_invalid_vtable.txt", "ubsan", "cfi-runtime-error", "crash", "cfi-simple-fail-cpp-103-cast-to-unrelated-type"),
    ("cfi_unrelated_vtable.txt", "ubsan", "cfi-runtime-error", "crash", "cfi-simple-fail-cpp-103-cast-to-unrelated-type"),
    ("log_fatal_google.txt", "glog", "glog-fatal-then-asan", "other", None),
    ("v8_check_symbolized.txt", "v8-check", "v8-fatal-check", "assertion", None),
    ("v8_dcheck_symbolized.txt", "v8-check", "v8-fatal-check", "assertion", None),
    ("windows_asan_divide_by_zero.txt", "asan", "asan-report-windows", "crash", None),
]

FUZZMANAGER = [
    ("trace_asan_uaf.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_multiple.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_clang14.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_segv.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_heap_crash.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_memcpy_param_overlap.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_negative_size_param.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_invalid_free.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_stack_overflow.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_long.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_access_violation.txt", "asan", "asan-report-windows", "crash", None),
    ("trace_asan_strcat_param_overlap.txt", "asan", "asan-report", "crash", None),
    ("trace_asan_alloc_size.txt", "asan", "asan-allocation-size-too-big", "resource", None),
    ("trace_asan_oom.txt", "asan", "asan-allocator-oom", "resource", None),
    ("trace_asan_failed_alloc.txt", "asan", "asan-check-failed-alloc", "resource", None),
    ("trace_asan_debug_assertion.txt", "mozilla-assert", "moz-assertion-failure", "assertion", None),
    ("trace_tsan_clang14.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan-report.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan-report-atomic.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan-report2.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan-simple-race-report.txt", "tsan", "tsan-report", "concurrency", None),
    ("tsan-lock-report.txt", "tsan", "tsan-lock-order-inversion", "concurrency", None),
    ("tsan-simple-leak-report.txt", "tsan", "tsan-thread-leak", "resource", None),
    ("trace_tsan_crash.txt", "tsan", "tsan-segv", "crash", None),
    ("trace_ubsan_signed_int_overflow.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("trace_ubsan_div_by_zero.txt", "ubsan", "ubsan-runtime-error", "crash", None),
    ("trace_ubsan_generic_crash.txt", "ubsan", "ubsan-segv", "crash", None),
    ("trace_lsan_leak_detected.txt", "lsan", "lsan-report", "resource", None),
]


OF_DIR = "src/agent/stacktrace-parser/data/stack-traces/"

# onefuzz also carries a copy of the ClusterFuzz files; only its own are used
ONEFUZZ = [
    # one ASan-internal CHECK failure reached by the same binary, with and
    # without a working symbolizer
    ("asan-check-failure.txt", "asan", "asan-internal-check-failed", "crash", "trivial-crash-fuzz-c-21-strncpy-asan-check"),
    ("asan-check-failure-missing-symbolizer.txt", "asan", "asan-internal-check-failed", "crash", "trivial-crash-fuzz-c-21-strncpy-asan-check"),
    ("asan-odr-violation.txt", "asan", "asan-odr-violation", "crash", None),
    ("clang-10-asan-breakpoint.txt", "asan", "asan-report-windows", "crash", None),
    ("libfuzzer-asan-log.txt", "asan", "libfuzzer-asan-report", "crash", None),
    ("libfuzzer-scariness-underflow.txt", "asan", "libfuzzer-asan-report", "crash", None),
    ("libfuzzer-deadly-signal.txt", "libfuzzer", "libfuzzer-deadly-signal", "crash", None),
    ("libfuzzer-linux-llvm10-out-of-memory-malloc.txt", "libfuzzer", "libfuzzer-oom", "resource", None),
    ("libfuzzer-linux-llvm10-out-of-memory-rss.txt", "libfuzzer", "libfuzzer-oom", "resource", None),
]


def do_fixture_reports(repo, base, table, tag):
    if gitdir(repo) is None:
        return
    head = short_head(repo)
    files = set(ls(repo))
    for fname, runner, shape, cat, cause in table:
        path = base + fname
        if path not in files:
            print("%s: missing %s" % (repo, path), file=sys.stderr)
            continue
        text = show(repo, path).rstrip("\n")
        stem = slug(os.path.splitext(fname)[0])
        add(id="cpp/%s/%s" % (tag, stem), runner=runner, shape=shape,
            source="%s@%s:%s" % (repo, head, path),
            cause="cpp/%s/%s" % (tag, cause or stem), category=cat,
            name=None, text=text)


# ---------------------------------------------------------------------------
# hand-saved texts (issue threads / pages), one file per source
# ---------------------------------------------------------------------------

def do_manual():
    for p in sorted(glob.glob(os.path.join(MANUAL, "*.txt"))):
        with open(p, encoding="utf-8") as fh:
            content = fh.read()
        url = None
        meta = None
        buf = []
        n = 0
        base = os.path.splitext(os.path.basename(p))[0]

        def flush():
            nonlocal n
            if meta is None:
                return
            text = "\n".join(buf).strip("\n")
            n += 1
            add(id="cpp/manual/%s/%d" % (base, n), runner=meta["runner"],
                shape=meta["shape"], source=meta.get("source", url),
                cause=meta["cause"], category=meta["category"],
                name=meta.get("name"), classname=meta.get("classname"),
                file=meta.get("file"), type=meta.get("type"), text=text)

        for ln in content.split("\n"):
            if ln.startswith("# source: ") and url is None and meta is None:
                url = ln[len("# source: "):].strip()
                continue
            if ln.startswith("@@@ "):
                flush()
                meta = {}
                for kv in ln[4:].split(" | "):
                    k, _, v = kv.partition("=")
                    meta[k.strip()] = v.strip()
                buf = []
                continue
            if meta is not None:
                buf.append(ln)
        flush()


def main():
    do_googletest()
    do_catch2()
    do_doctest()
    do_fixture_reports("google/clusterfuzz", CF_DIR, CLUSTERFUZZ, "clusterfuzz")
    do_fixture_reports("MozillaSecurity/FuzzManager", FM_DIR, FUZZMANAGER, "fuzzmanager")
    do_fixture_reports("microsoft/onefuzz", OF_DIR, ONEFUZZ, "onefuzz")
    do_manual()
    for r in missing and sorted(set(missing)):
        print("mirror missing: fetch github:%s" % r, file=sys.stderr)
    ids = Counter(r["id"] for r in records)
    for r in records:
        if ids[r["id"]] > 1:
            print("duplicate id", r["id"], file=sys.stderr)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    causes = Counter(r["cause"] for r in records)
    print("texts=%d causes=%d multi=%d" % (len(records), len(causes),
                                           sum(1 for c in causes.values() if c >= 2)))
    for k, v in sorted(Counter((r["runner"], r["shape"]) for r in records).items()):
        print("  %-12s %-28s %d" % (k[0], k[1], v))


if __name__ == "__main__":
    main()
