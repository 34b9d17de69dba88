#!/usr/bin/env python3
"""Extract real JavaScript/TypeScript test-failure texts for the failtale
evaluation set (see /work/cache/failtale-eval/FORMAT.md).

No network access.  Reads bare git mirrors under $FAILTALE_MIRRORS
(default /work/.mirror, layout <owner>+<name>/repo) and hand-saved texts
under /work/cache/failtale-eval/manual/js/*.txt.  Writes only
/work/cache/failtale-eval/js.jsonl.  If a mirror is missing it prints the
`fetch github:owner/name` needed and exits 2 without writing.

Sources (each is output printed by the runner itself, kept by the runner's
own project as expected output of its end-to-end tests):
  jestjs/jest                e2e/__tests__/__snapshots__/*.snap   jest-console
  vitest-dev/vitest          test/**/__snapshots__/*.snap and inline
                             toMatchInlineSnapshot in test/e2e, test/browser/specs
                                                          vitest-console, vitest-junit
  avajs/ava                  test-tap/reporters/{default,tap}.*.v24.log
                                                          ava-console (ANSI kept), ava-tap
  microsoft/playwright       tests/playwright-test/reporter-{line,list}.spec.ts
                             whole-output toEqual templates  playwright-line/-list
  jest-community/jest-junit  __mocks__/*.json (captured Jest results; ANSI kept)
  manual/js/*.txt            texts copied from issue threads, and from
                             nodejs/node test-runner output fixtures (that
                             repository is too large to mirror); each file
                             names its source URL.

Manual file format: header lines "# key: value" (source, runner, shape,
lang, optional cause/category/name/file/classname/type), a line "---", then
entries separated by lines "=====", each optionally starting with its own
"# key: value" lines (they override the header), then the text verbatim.

Unescaping: Jest/Vitest snapshot files store the text inside a template
literal wrapped in pretty-format quotes; we undo both (\\` -> `, \\\\ -> \\,
\\${ -> ${, outer quotes).  Vitest inline snapshots are also de-indented.
Objects of strings ({rest, summary}) are split into their string values.
The e2e snapshots were recorded with colours off: no ANSI and no <red>-style
serializer tags occur in the texts we take (those tags live only in unit
snapshots of formatter functions, which are not used).  JUnit <failure>/
<error> bodies are XML-entity-decoded.  Runner-side normalisations present
in the sources are kept as they are (<REPLACED>, <time>, <ms>, <root>, "*"
in node fixtures); in Playwright templates ${test.info().outputPath('f')}
becomes <outputPath>/f.

Cause labels: failures are grouped (union-find) when they are the same
failing code reached again: same runner family and test file and either
(a) same test name and same message (same fixture printed by another
reporter / snapshot / browser / worker type), or (b) same code-frame
location and same (digit-normalised) first message line (test.each rows,
one helper failing for several tests).  Vitest inline snapshots are scoped
to the fixture directory named in the enclosing e2e test, else to that
test.  Manual entries carry their cause by hand.
"""
import html
import json
import os
import re
import subprocess
import sys
from collections import OrderedDict, defaultdict

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
OUT_DIR = os.environ.get("FAILTALE_EVAL", "/work/cache/failtale-eval")
OUT = os.path.join(OUT_DIR, "js.jsonl")
MANUAL = os.path.join(OUT_DIR, "manual", "js")

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")

missing = []


def mirror(owner_name):
    d = os.path.join(MIRRORS, owner_name.replace("/", "+"), "repo")
    if not os.path.isdir(d):
        missing.append(owner_name)
        return None
    return d


def git(d, *args):
    return subprocess.run(["git", "--git-dir=" + d] + list(args),
                          capture_output=True, check=True).stdout


def ls(d):
    return git(d, "ls-tree", "-r", "HEAD", "--name-only").decode().splitlines()


def show(d, path):
    return git(d, "show", "HEAD:" + path).decode("utf-8", "replace")


def short(d):
    return git(d, "rev-parse", "--short=10", "HEAD").decode().strip()


# ---------------------------------------------------------------- snapshots
SNAP_RE = re.compile(r"^exports\[`((?:[^`\\]|\\.)*)`\] = `((?:[^`\\]|\\.)*)`;\s*$",
                     re.S | re.M)


def unescape_tl(s):
    return re.sub(r"\\([`\\$])", r"\1", s)


def parse_snap(text):
    out = []
    for m in SNAP_RE.finditer(text):
        name = unescape_tl(m.group(1))
        val = unescape_tl(m.group(2))
        if val.startswith("\n") and val.endswith("\n"):
            val = val[1:-1]
        if val.startswith("Object {\n"):
            # pretty-format object of strings, e.g. {rest, summary}
            for k, v in re.findall(r'\n  "(\w+)": "(.*?)",(?=\n  "|\n\}$)', val, re.S):
                out.append((f"{name}.{k}", v))
            continue
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        out.append((name, val))
    return out


def strip_ansi(s):
    return ANSI_RE.sub("", s)


# ---------------------------------------------------------------- category
def categorize(text):
    t = strip_ansi(text)
    low = t.lower()
    if re.search(r"ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN|socket hang up|getaddrinfo|net::ERR_", t):
        return "network"
    if re.search(r"heap out of memory|ENOMEM|ENOSPC|EMFILE|Maximum call stack", t):
        return "resource"
    if re.search(r"\bEACCES\b|\bEPERM\b", t) or re.search(r"permission denied", t, re.I):
        return "permission"
    if re.search(r"Exceeded timeout|timed out|Timeout of \d+ms exceeded|Test timeout of|"
                 r"Timed out|timeout of \d+|Hook timed out|Test timed out|"
                 r"did not finish within|test timed out|Timeout\b.*exceeded|"
                 r"exceeded the timeout|cancelledByParent|Promise resolution is still pending",
                 t):
        return "timeout"
    if re.search(r"Configuration error|Validation Error", t):
        return "missing-file-or-config"
    if re.search(r"Cannot find module|Cannot find package|ERR_MODULE_NOT_FOUND|Failed to load url|"
                 r"Failed to resolve import|Could not locate module|Cannot use import statement|"
                 r"Unexpected token 'export'|ERR_REQUIRE_ESM|ERR_UNKNOWN_FILE_EXTENSION|"
                 r"Jest encountered an unexpected token|Must use import to load ES Module|"
                 r"does not provide an export named|is not a constructor.*module|"
                 r"Cannot find name|ERR_PACKAGE_PATH_NOT_EXPORTED|"
                 r"Module not found|Unable to resolve|moduleNameMapper", t):
        return "dependency"
    if re.search(r"Configuration error|Validation Error|jest-haste-map: Haste module naming collision", t):
        return "missing-file-or-config"
    if re.search(r"ENOENT|no such file or directory|Configuration error|"
                 r"is not defined in (the )?(env|environment)|Missing env", t):
        return "missing-file-or-config"
    if re.search(r"AssertionError|expect\(|toBe|toEqual|toMatch|toHave|toThrow|toStrictEqual|"
                 r"Expected:|Received:|Difference \(|Snapshot|snapshot|assert\.|"
                 r"Expected values to be|Expected value|expected .* to |"
                 r"Test failed via `t\.fail\(\)`|t\.(is|deepEqual|true|false|throws|like|regex|"
                 r"notThrows|snapshot|assert|truthy|falsy)\(|"
                 r"ERR_ASSERTION|expect\.assertions|expect\.hasAssertions|"
                 r"Expected [a-z]+ assertions? to be called|\+ expected|- actual|"
                 r"Expected: |Received |to be called|- Expected|\+ Received|"
                 r"Assertion error|AssertionError|expected .* but got|"
                 r"Test was expected to fail|Expected .* to|Failing test passed even though|"
                 r"unexpected exception|Expected instance of|Function threw|"
                 r"Returned promise rejected|Promise rejected with|Promise resolved with|"
                 r"instead of rejecting|instead of resolving|mismatched", t):
        return "assertion"
    if re.search(r"^\s*name: \w*Error$", t, re.M):
        return "panic"
    if re.search(r"\b(TypeError|ReferenceError|RangeError|SyntaxError|URIError|EvalError)\b", t):
        return "panic"
    if re.search(r"\bthrown: |^\s*(\w*Error|Error)(\s\[\w+\])?: |Uncaught|Unhandled|"
                 r"Error thrown in test|threw an? |thrown", t, re.M):
        return "panic"
    if re.search(r"^\s*>\s*\d+\s*\|.*(\bthrow\b|reject\(|new \w*Error\()", t, re.M):
        return "panic"
    return "other"


# ---------------------------------------------------------------- records
records = []


def add(**kw):
    kw.setdefault("category", categorize(kw["text"]))
    records.append(kw)


# cause keys: list of tuples added to each record (union-find later)
def frame_key(text, file_hint):
    """first code-frame line pointed to ('>' line) with its number and code,
    in the file named by the first stack line after it."""
    t = strip_ansi(text)
    m = re.search(r"^\s*>\s*(\d+)\s*\|(.*)$", t, re.M)  # jest / playwright
    if m:
        at = re.search(r"^\s*at .*?\(?([^\s()]+):(\d+):\d+\)?$", t[m.end():], re.M)
        f = at.group(1) if at and at.group(2) == m.group(1) else file_hint
        code = m.group(2).strip()
        body = message_body(text)
        first = re.sub(r"\d+", "N", body.split("\n")[0]) if body else ""
        if re.search(r"new \w*Error\(|\bthrow\b|reject\(", code):
            # an error factory shared by tests: only the same message is the same cause
            return ("frame", f, m.group(1), code, message_body(text))
        return ("frame", f, m.group(1), code, first)
    return None


def first_error_line(text, skip_header=True):
    lines = [l.strip() for l in strip_ansi(text).splitlines()]
    lines = [l for l in lines if l]
    if skip_header and lines:
        lines = lines[1:]
    for l in lines:
        if re.match(r"^(FAIL|✕|×|›|❯|at )", l):
            continue
        return re.sub(r"\d+(\.\d+)?\s?m?s\b", "N", l)[:160]
    return ""


# ---------------------------------------------------------------- jest
def message_body(block):
    """error message lines of a block (header, code frame and stack cut)."""
    out = []
    for l in strip_ansi(block).splitlines()[1:]:
        s = l.strip()
        if re.match(r"^(>?\s*\d+\s*\||\|\s|at |❯ )", s):
            break
        out.append(re.sub(r"\d+(\.\d+)?\s?m?s\b", "N", s))
    return "\n".join(x for x in out if x)

def jest_blocks(val):
    lines = val.split("\n")
    cur_file = None
    i = 0
    blocks = []
    while i < len(lines):
        l = lines[i]
        m = re.match(r"^(FAIL|PASS)\s+(.*?)\s*$", l)
        if m:
            cur_file = m.group(2)
            i += 1
            continue
        m = re.match(r"^  ● (.*)$", l)
        if m and not m.group(1).startswith(("Console", " ")):
            start = i
            j = i + 1
            while j < len(lines):
                lj = lines[j]
                if lj.startswith("  ● "):
                    break
                if lj.strip() and (len(lj) - len(lj.lstrip(" "))) < 4 and \
                        not lj.startswith("<"):  # e2e placeholders such as <REPLACED>
                    break
                j += 1
            block = "\n".join(lines[start:j]).rstrip("\n")
            blocks.append((cur_file, m.group(1), block, start))
            i = j
            continue
        i += 1
    return blocks


def do_jest():
    d = mirror("jestjs/jest")
    if not d:
        return
    sha = short(d)
    for path in sorted(ls(d)):
        if not (path.startswith("e2e/__tests__/__snapshots__/") and path.endswith(".snap")):
            continue
        for name, val in parse_snap(show(d, path)):
            for n, (f, title, block, ln) in enumerate(jest_blocks(val)):
                base = os.path.basename(path)
                add(id=f"js/jest/{base}/{name}/{n}", lang=lang_of(f),
                    runner="jest", shape="jest-console",
                    source=f"jestjs/jest@{sha}:{path}#{name}/block{n}",
                    name=title, file=f, text=block,
                    _keys=jest_keys(base, f, title, block),
                    _group="jest")


def lang_of(f):
    if f and re.search(r"\.(ts|tsx|mts|cts)\b", f):
        return "typescript"
    return "javascript"


def jest_keys(base, f, title, block):
    keys = [("name", f, title, message_body(block))]
    fk = frame_key(block, f)
    if fk:
        keys.append(fk)
    return keys


# ---------------------------------------------------------------- vitest
def vitest_console_blocks(val):
    lines = val.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        l = lines[i]
        if re.match(r"^ ?FAIL\s+\S", l):
            start = i
            j = i + 1
            # consecutive FAIL lines (vitest groups identical errors)
            while j < len(lines) and re.match(r"^ ?FAIL\s+\S", lines[j]):
                j += 1
            body_start = j
            while j < len(lines):
                lj = lines[j]
                if re.match(r"^⎯⎯", lj) or re.match(r"^ ?FAIL\s+\S", lj) or \
                   re.match(r"^ (Test Files|Tests|Start at|Duration)\s", lj):
                    break
                j += 1
            body = "\n".join(lines[body_start:j]).strip("\n")
            if body.strip():
                block = "\n".join(lines[start:j]).rstrip("\n")
                header = lines[start]
                blocks.append((header, block, j - start))
                i = j
                continue
            i = j
            continue
        i += 1
    return blocks


def vitest_name(header):
    h = re.sub(r"^ ?FAIL\s+", "", header).strip()
    h = re.sub(r"\s*\[ .* \]\s*$", "", h)
    h = re.sub(r"^\|[^|]*\|\s*", "", h)  # project prefix
    parts = h.split(" > ", 1)
    f = parts[0].strip()
    name = parts[1].strip() if len(parts) > 1 else f
    return f, name


JUNIT_TC = re.compile(r"<testcase classname=\"([^\"]*)\"(?: file=\"([^\"]*)\")? name=\"([^\"]*)\"[^>]*>\s*"
                      r"<(failure|error) ([^>]*)>(.*?)</\4>", re.S)




def vitest_first_msg(block):
    for l in strip_ansi(block).splitlines():
        s = l.strip()
        if not s or re.match(r"^(FAIL|×|⎯)", s):
            continue
        return s[:160]
    return ""


INLINE_RE = re.compile(r"toMatchInlineSnapshot\(\s*`((?:[^`\\]|\\.)*)`\s*\)", re.S)


def parse_inline(src):
    """vitest inline snapshots: template literal, indented like the code."""
    out = []
    for m in INLINE_RE.finditer(src):
        raw = unescape_tl(m.group(1))
        lines = raw.split("\n")
        if len(lines) < 3 or lines[0].strip():
            continue
        body = lines[1:-1]
        ind = len(body[0]) - len(body[0].lstrip(" "))
        body = [l[ind:] if l[:ind].strip() == "" else l for l in body]
        val = "\n".join(body)
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        line = src.count("\n", 0, m.start()) + 1
        out.append((f"L{line}", val, inline_scope(src, m.start())))
    return out


def inline_scope(src, pos):
    """which fixture produced this output: a fixture directory named in the
    enclosing e2e test, else the enclosing test itself (inline fixture code
    written inside that test)."""
    starts = [m.start() for m in re.finditer(r"^ {0,4}(?:test|it)(?:\.\w+)*\(", src[:pos], re.M)]
    start = starts[-1] if starts else 0
    block = src[start:pos]
    fx = re.findall(r"fixtures/[\w\-./]+", block)
    if fx:
        return fx[-1].rstrip("/.")
    return "test@%d" % (src.count("\n", 0, start) + 1)


def do_vitest():
    d = mirror("vitest-dev/vitest")
    if not d:
        return
    sha = short(d)
    for path in sorted(ls(d)):
        inline = False
        if path.startswith(("test/e2e/", "test/browser/specs/")) and \
                re.search(r"\.(test|spec)\.ts$", path) and "/fixtures/" not in path:
            src = show(d, path)
            if "toMatchInlineSnapshot" not in src or "FAIL " not in src:
                continue
            snaps = parse_inline(src)
            inline = True
        elif not path.endswith(".snap") or "__snapshots__" not in path:
            continue
        elif "/fixtures/" in path or path.startswith("examples/"):
            continue
        else:
            snaps = [(n, v, None) for n, v in parse_snap(show(d, path))]
        for name, val, scope in snaps:
            origin = os.path.basename(path).replace(".snap", "") + ("@" + scope if scope else "")
            base = os.path.basename(path)
            if "<testsuites" in val:
                for n, m in enumerate(JUNIT_TC.finditer(val)):
                    cls, fattr, tname, kind, attrs, body = m.groups()
                    body = body.strip("\n")
                    body = re.sub(r"\n {12}$", "", body)
                    body = body.rstrip(" ")
                    body = html.unescape(body).rstrip("\n")
                    tname = html.unescape(tname)
                    ty = re.search(r'type="([^"]*)"', attrs)
                    f = html.unescape(fattr or cls)
                    add(id=f"js/vitest/{base}/{name}/junit{n}", lang=lang_of(f),
                        runner="vitest", shape="vitest-junit",
                        source=f"vitest-dev/vitest@{sha}:{path}#{name}/testcase{n}",
                        name=tname, classname=html.unescape(cls), file=f,
                        type=html.unescape(ty.group(1)) if ty else None,
                        text=body, _group="vitest",
                        _keys=[("name", origin, f, tname, vitest_first_msg(body))] +
                        vitest_loc_keys(origin, f, body))
                continue
            for n, (header, block, _) in enumerate(vitest_console_blocks(val)):
                f, tname = vitest_name(header)
                add(id=f"js/vitest/{base}/{name}/{n}", lang=lang_of(f),
                    runner="vitest", shape="vitest-console",
                    source=f"vitest-dev/vitest@{sha}:{path}#{name}/block{n}",
                    name=tname, file=f, text=block, _group="vitest",
                    _keys=[("name", origin, f, tname, vitest_first_msg(block))] +
                    vitest_loc_keys(origin, f, block))


def vitest_loc_keys(origin, f, block):
    t = strip_ansi(block)
    for m in re.finditer(r"❯ (?:.*? )?\(?([^\s()]+?):(\d+):(\d+)\)?\s*$", t, re.M):
        p = m.group(1)
        if os.path.basename(p) == os.path.basename(f):
            k = ("loc", origin, f, m.group(2), m.group(3),
                 re.sub(r"\d+", "N", vitest_first_msg(block)))
            return [k]
    return []


# ---------------------------------------------------------------- ava
def do_ava():
    d = mirror("avajs/ava")
    if not d:
        return
    sha = short(d)
    for path in sorted(ls(d)):
        m = re.match(r"test-tap/reporters/(default|tap)\.(\w+)\.v24\.log$", path)
        if not m:
            continue
        kind, scenario = m.groups()
        if scenario == "watch":
            continue
        txt = show(d, path)
        if kind == "tap":
            ava_tap(txt, path, sha, scenario)
        else:
            ava_default(txt, path, sha, scenario)
    # a test file whose worker died of exactly one uncaught exception /
    # unhandled rejection: TAP's "<file> exited with a non-zero exit code"
    # line has that same cause.
    unc = defaultdict(set)
    for r in records:
        for k in r.get("_keys", []):
            if r.get("_group") == "ava" and k[0] == "ava-unc":
                unc[(k[1], k[2])].add(k[3])
    for r in records:
        if r.get("_group") != "ava":
            continue
        for k in list(r["_keys"]):
            if k[0] == "ava-unc" and len(unc[(k[1], k[2])]) == 1:
                r["_keys"].append(("ava-exit", k[1], k[2]))


def ava_title_key(title):
    return title.strip()


def ava_tap(txt, path, sha, scenario):
    chunks = txt.split("---tty-stream-chunk-separator\n")
    n = 0
    for ci, ch in enumerate(chunks):
        if not ch.startswith("not ok ") or re.match(r"^not ok .*# (TODO|SKIP)", ch):
            continue
        body = ch.rstrip("\n")
        head = body.split("\n", 1)[0]
        title = re.sub(r"^not ok \d+ - ", "", head)
        title = re.sub(r"\s*# (TODO|SKIP).*$", "", title)
        f = title.split(" › ")[0] if " › " in title else None
        msg = re.search(r"^    message: (.*)$", body, re.M)
        keys = [("ava", scenario, title)]
        em = re.match(r"^(\w*Error): (.*)$", title)
        at = re.search(r"^    at: (?:>-\n)?\s*(?:.*\n\s*)?.*?([\w.-]+\.js):\d+", body, re.M)
        if em and not (at and "/fixture/" in body):
            # error raised outside the fixture (e.g. while compiling it): the
            # worker's file is named by the next "exited" line
            nxt = next((c for c in chunks[ci + 1:ci + 3] if "exited with a non-zero exit code" in c), None)
            if nxt:
                at = re.search(r"- (\S+\.js) exited", nxt)
        if em and at:
            # uncaught exception / unhandled rejection: tap titles it by the error
            keys = [("ava-unc", scenario, at.group(1), em.group(2).strip())]
            f = at.group(1)
        elif re.match(r"^(\S+\.js) exited with a non-zero exit code", title):
            f = title.split(" ", 1)[0]
            keys = [("ava-exit", scenario, f)]
        elif f and not f.endswith(".js"):
            f = f + ".js"
        add(id=f"js/ava/tap.{scenario}/{n}", lang="javascript", runner="ava",
            shape="ava-tap", source=f"avajs/ava@{sha}:{path}#not-ok-{head.split()[2]}",
            name=title, file=f, text=body, _group="ava", _keys=keys)
        n += 1


def ava_default(txt, path, sha, scenario):
    # failure details follow the "─" divider; blocks are separated by 3 blank lines
    chunks = txt.split("---tty-stream-chunk-separator\n")
    n = 0
    for ch in chunks:
        plain = strip_ansi(ch)
        lines = ch.rstrip("\n").split("\n")
        # uncaught exception / unhandled rejection chunks
        if re.match(r"^\s*(Uncaught exception|Unhandled rejection) in ", plain.lstrip("\n")):
            title = plain.strip().split("\n")[0].strip()
            fname = title.split(" in ", 1)[1].strip()
            em = re.search(r"^\s+\w*Error: (.*)$", plain, re.M)
            msg = em.group(1).strip() if em else plain.strip().split("\n")[-1].strip()
            add(id=f"js/ava/default.{scenario}/{n}", lang="javascript", runner="ava",
                shape="ava-console", source=f"avajs/ava@{sha}:{path}#chunk-{chunks.index(ch)}",
                name=title, file=fname, text=ch.strip("\n"), _group="ava",
                _keys=[("ava-unc", scenario, fname, msg)])
            n += 1
            continue
        if "─" not in plain:
            continue
        # the summary chunk: after the divider, blocks begin with a bold title
        idx = [i for i, l in enumerate(lines) if re.match(r"^  \x1b\[1m.*\x1b\[22m$", l)]
        if not idx:
            continue
        for k, s in enumerate(idx):
            e = idx[k + 1] if k + 1 < len(idx) else len(lines)
            blk = lines[s:e]
            # cut trailing summary lines (e.g. "  ─" or counts)
            while blk and (not blk[-1].strip() or re.match(r"^\s*(\x1b\[\d+m)*─", blk[-1])):
                blk.pop()
            cut = []
            for l in blk:
                if re.match(r"^  \x1b\[3[12]m\d+ (tests? failed|known failure|uncaught|unhandled|tests? passed)", l) \
                        or re.match(r"^  \x1b\[\d+m─", l):
                    break
                cut.append(l)
            blk = cut
            while blk and not blk[-1].strip():
                blk.pop()
            title = strip_ansi(blk[0]).strip()
            text = "\n".join(blk)
            if len(blk) < 2:
                continue
            add(id=f"js/ava/default.{scenario}/{n}", lang="javascript", runner="ava",
                shape="ava-console", source=f"avajs/ava@{sha}:{path}#failure-{k}",
                name=title, file=title.split(" › ")[0] + ".js" if " › " in title else None,
                text=text, _group="ava", _keys=[("ava", scenario, title)])
            n += 1


# ---------------------------------------------------------------- playwright
PW_EXPECT_RE = re.compile(r"\.toEqual\(`\n((?:[^`\\]|\\.)*)`\)", re.S)


def do_playwright():
    """Playwright's own reporter tests compare whole console outputs
    (stripAnsi) against literal templates.  The only template placeholder
    inside failure blocks is ${test.info().outputPath('<f>')}, the absolute
    temp path of the test file; we print it as <outputPath>/<f>."""
    d = mirror("microsoft/playwright")
    if not d:
        return
    sha = short(d)
    for path in ("tests/playwright-test/reporter-line.spec.ts",
                 "tests/playwright-test/reporter-list.spec.ts"):
        src = show(d, path)
        reporter = "line" if "line" in path else "list"
        for m in PW_EXPECT_RE.finditer(src):
            val = m.group(1)
            val = re.sub(r"\$\{test\.info\(\)\.outputPath\('([^']*)'\)\}", r"<outputPath>/\1", val)
            val = unescape_tl(val)
            line = src.count("\n", 0, m.start()) + 1
            starts = [x for x in re.finditer(r"^ {0,2}test\('([^']*)'", src[:m.start()], re.M)]
            e2e = starts[-1].group(1) if starts else f"L{line}"
            lines = val.split("\n")
            idx = [i for i, l in enumerate(lines) if re.match(r"^  \d+\) .*──", l)]
            for k, s0 in enumerate(idx):
                e = s0 + 1
                while e < len(lines):
                    l = lines[e]
                    if re.match(r"^  \d+\) ", l) or re.match(r"^  \d+ (failed|interrupted|flaky|passed|skipped)", l) \
                            or re.match(r"^\[\d+/\d+\]", l):
                        break
                    e += 1
                blk = lines[s0:e]
                while blk and not blk[-1].strip():
                    blk.pop()
                text = "\n".join(blk)
                hm = re.match(r"^  \d+\) (\S+?):\d+:\d+ › (.*?) ─", blk[0])
                f, name = (hm.group(1), hm.group(2)) if hm else (None, blk[0].strip())
                fk = frame_key(text, f)
                keys = [("pw-e2e", e2e, name)]
                if fk:
                    keys.append(fk)
                add(id=f"js/playwright/{os.path.basename(path)}/L{line}/{k}",
                    lang="typescript", runner="playwright", shape="playwright-" + reporter,
                    source=f"microsoft/playwright@{sha}:{path}#L{line}/failure{k}",
                    name=name, file=f, text=text, _group="playwright", _keys=keys)


# ---------------------------------------------------------------- jest-junit
def do_jest_junit_mocks():
    """jest-community/jest-junit keeps captured Jest results (the JSON a
    reporter receives) in __mocks__/; failureMessage(s) there are Jest's own
    ANSI-coloured console blocks.  The *-with-esc mock is a hand-edited
    variant and is skipped."""
    d = mirror("jest-community/jest-junit")
    if not d:
        return
    sha = short(d)
    for path in sorted(ls(d)):
        if not (path.startswith("__mocks__/") and path.endswith(".json")) or "with-esc" in path:
            continue
        data = json.loads(show(d, path))
        for si, suite in enumerate(data.get("testResults", [])):
            f = suite.get("testFilePath")
            per_test = [(t, m) for t in suite.get("testResults", []) for m in t.get("failureMessages", [])]
            if per_test:
                for ti, (t, msg) in enumerate(per_test):
                    add(id=f"js/jest/jest-junit/{os.path.basename(path)}/{si}/{ti}",
                        lang=lang_of(f), runner="jest", shape="jest-console",
                        source=f"jest-community/jest-junit@{sha}:{path}#testResults[{si}].failureMessages[{ti}]",
                        name=" › ".join(t.get("ancestorTitles", []) + [t.get("title", "")]),
                        file=f, text=msg.rstrip(), _group="jest-junit-mocks",
                        _keys=[("jj", path, si, ti), ("jj-msg", strip_ansi(msg).strip())])
            elif suite.get("failureMessage"):
                add(id=f"js/jest/jest-junit/{os.path.basename(path)}/{si}/suite",
                    lang=lang_of(f), runner="jest", shape="jest-console",
                    source=f"jest-community/jest-junit@{sha}:{path}#testResults[{si}].failureMessage",
                    name="Test suite failed to run", file=f,
                    text=suite["failureMessage"].rstrip(), _group="jest-junit-mocks",
                    _keys=[("jj", path, si)])


# ---------------------------------------------------------------- manual
def do_manual():
    if not os.path.isdir(MANUAL):
        return
    for fn in sorted(os.listdir(MANUAL)):
        if not fn.endswith(".txt"):
            continue
        raw = open(os.path.join(MANUAL, fn), encoding="utf-8").read()
        # format: header lines "# key: value" until a line "---", then entries
        # separated by lines "=====" each with its own "# key: value" lines.
        head, _, rest = raw.partition("\n---\n")
        meta = dict(re.findall(r"^# (\w+): (.*)$", head, re.M))
        entries = rest.split("\n=====\n")
        for n, ent in enumerate(entries):
            emeta = dict(meta)
            lines = ent.split("\n")
            while lines and lines[0].startswith("# "):
                k, _, v = lines.pop(0)[2:].partition(": ")
                emeta[k] = v
            text = "\n".join(lines).strip("\n")
            if not text.strip():
                continue
            rec = dict(id=f"js/manual/{fn[:-4]}/{n}", lang=emeta.get("lang", "javascript"),
                       runner=emeta["runner"], shape=emeta["shape"],
                       source=emeta["source"] + (f"#{emeta['locator']}" if emeta.get("locator") else ""),
                       name=emeta.get("name", ""), text=text,
                       _group="manual:" + fn, _keys=[("manual", emeta.get("cause", f"{fn}/{n}"))])
            for k in ("classname", "file", "type"):
                if emeta.get(k):
                    rec[k] = emeta[k]
            if emeta.get("category"):
                rec["category"] = emeta["category"]
            if emeta.get("cause"):
                rec["cause"] = emeta["cause"]
            add(**rec)


# ---------------------------------------------------------------- causes
# hand overrides: id-prefix -> cause label (applied after grouping)
CAUSE_OVERRIDES = {}
CATEGORY_OVERRIDES = {
    # Error('foobar') thrown inside the test body
    "js/jest/jest-junit/failing-tests": "panic",
}


def slug(s, n=60):
    s = strip_ansi(s or "").lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:n].strip("-") or "x"


def assign_causes():
    parent = list(range(len(records)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen = {}
    for i, r in enumerate(records):
        for k in r["_keys"]:
            kk = (r["_group"],) + tuple(k)
            if kk in seen:
                a, b = find(i), find(seen[kk])
                if a != b:
                    parent[a] = b
            else:
                seen[kk] = i
    groups = OrderedDict()
    for i in range(len(records)):
        groups.setdefault(find(i), []).append(i)
    used = set()
    for root, members in groups.items():
        first = records[members[0]]
        explicit = [records[m].get("cause") for m in members if records[m].get("cause")]
        if explicit:
            label = explicit[0]
        else:
            f = first.get("file") or ""
            label = f"js/{first['runner']}/{slug(os.path.basename(f), 40)}/{slug(first['name'])}"
            base = label
            k = 2
            while label in used:
                label = f"{base}-{k}"
                k += 1
        used.add(label)
        for m in members:
            records[m]["cause"] = label
    for r in records:
        for pfx, c in CAUSE_OVERRIDES.items():
            if r["id"].startswith(pfx):
                r["cause"] = c
        for pfx, c in CATEGORY_OVERRIDES.items():
            if r["id"].startswith(pfx):
                r["category"] = c


def main():
    do_jest()
    do_vitest()
    do_ava()
    do_playwright()
    do_jest_junit_mocks()
    do_manual()
    if missing:
        for m in sorted(set(missing)):
            print(f"missing mirror under {MIRRORS}: fetch github:{m}", file=sys.stderr)
        print("not writing a partial set; fetch the mirrors above and rerun", file=sys.stderr)
        sys.exit(2)
    assign_causes()
    ids = set()
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        for r in records:
            base = r["id"]
            k = 2
            while r["id"] in ids:
                r["id"] = f"{base}#{k}"
                k += 1
            ids.add(r["id"])
            o = OrderedDict()
            for k in ("id", "lang", "runner", "shape", "source", "cause", "category",
                      "name", "classname", "file", "type", "text"):
                if r.get(k) is not None:
                    o[k] = r[k]
            fh.write(json.dumps(o, ensure_ascii=False) + "\n")
    causes = defaultdict(int)
    for r in records:
        causes[r["cause"]] += 1
    print(f"{len(records)} texts, {len(causes)} causes, "
          f"{sum(1 for v in causes.values() if v >= 2)} causes with >=2 failures", file=sys.stderr)


if __name__ == "__main__":
    main()
