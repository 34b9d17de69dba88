#!/usr/bin/env python3
"""Extract the THIRD held-out JavaScript/TypeScript failure texts (group `js`).

Sources are test runners' own expected-output files (golden outputs) read from
git mirrors, never the failtale repo:

  * denoland/deno       tests/specs/test/**/*.out  -- `deno test` pretty / dot /
                        tap / junit reporter outputs (TypeScript fixtures next
                        to each .out; causes decided by reading those fixtures),
                        plus two failing `deno test` outputs under tests/specs/
                        node/ and tests/specs/run/
  * nodejs/node-core-test test/message/*.out -- node:test TAP output of the
                        fixtures test/message/*.js (plain and `--test` CLI run,
                        spec reporter); causes decided from the .js fixtures
  * qunitjs/qunit      test/cli/fixtures/*.tap.txt -- QUnit CLI TAP output of
                        the fixture .js files next to them
  * tapjs/tapjs         src/reporter/test/fixtures/example-tap.tap (raw TAP 14
                        from `tap`) and the JUnit reporter snapshot of the same
                        run (src/reporter/tap-snapshots/test/junit.ts.test.cjs)
                        and the markdown reporter snapshot (markdown.ts.test.cjs)

No network. Mirrors are bare git repos under $FAILTALE_MIRRORS (default
/work/.mirror), read with `git --git-dir=DIR show HEAD:path`; a missing mirror
is reported as `fetch github:owner/name`. Output: one JSON object per line in
$FAILTALE_EVAL_THIRD/js.jsonl (default /work/cache/failtale-eval-third).

Placeholders that the golden files contain ([WILDCARD], [WILDLINE], `*`) are
kept verbatim: they are what the expected-output file says.

Cause labels: one label per root cause, shared by (a) the same failing check
printed by several reporters / runs of the same fixture, (b) a parent test or
suite that fails only because of one failing child / hook, and (c) tests that
fail because of one shared thing (hook, helper, abort signal, never-resolving
promise).  Parent entries that fail because of several different children are
left out (their cause is not a single one).
"""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")
OUT_DIR = os.environ.get("FAILTALE_EVAL_THIRD", "/work/cache/failtale-eval-third")
OUT = os.path.join(OUT_DIR, "js.jsonl")

missing = []
records = []
ids = set()
_commits = {}


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
    return r.stdout.split()


def commit(repo):
    if repo not in _commits:
        r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "rev-parse", "HEAD"],
                           capture_output=True, text=True)
        _commits[repo] = r.stdout.strip()[:12]
    return _commits[repo]


def src(repo, path):
    return "%s@%s:%s" % (repo, commit(repo), path)


def add(id_, lang, runner, shape, source, cause, category, name, text, **opt):
    id_ = id_ if id_.startswith("third/") else "third/" + id_
    n, k = id_, 2
    while n in ids:
        n = "%s#%d" % (id_, k)
        k += 1
    ids.add(n)
    rec = {"id": n, "lang": lang, "runner": runner, "shape": shape, "source": source,
           "cause": cause, "category": category, "name": name, "text": text}
    for key, v in opt.items():
        if v:
            rec[key] = v
    records.append(rec)


# ------------------------------------------------------------------ parsers
def strip_blank(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


DENO_HDR = re.compile(r"^(?P<name>.+?) => (?P<loc>\S+)$")
DENO_UNCAUGHT = re.compile(r"^(?P<name>\S+) \(uncaught error\)$")


def deno_pretty_blocks(text):
    """Blocks of the ` ERRORS ` section of `deno test` pretty/dot output:
    [(name, block_text)]. A block starts with `name => file:line:col` or
    `file (uncaught error)` after a blank line (or the section header)."""
    lines = text.split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith(" ERRORS"))
    except StopIteration:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(" FAILURES")),
               len(lines))
    body = lines[start + 1:end]
    blocks, cur = [], None
    for i, l in enumerate(body):
        prev_blank = i == 0 or not body[i - 1].strip()
        m = DENO_HDR.match(l) or DENO_UNCAUGHT.match(l)
        if prev_blank and m and i + 1 < len(body) and body[i + 1].startswith("error:"):
            if cur:
                blocks.append(cur)
            cur = [m.group("name"), [l]]
        elif cur is not None:
            cur[1].append(l)
    if cur:
        blocks.append(cur)
    return [(n, "\n".join(strip_blank(b))) for n, b in blocks]


def deno_bare_error(text):
    """Outputs whose ERRORS header is hidden behind [WILDCARD]: the single
    failing test's `error:` block (up to the summary line)."""
    lines = text.split("\n")
    name = None
    for l in lines:
        m = re.match(r"^(.+?) \.\.\. FAILED", l)
        if m:
            name = m.group(1)
            break
    try:
        s = next(i for i, l in enumerate(lines) if l.startswith("error:"))
    except StopIteration:
        return None
    if s > 0 and DENO_UNCAUGHT.match(lines[s - 1]):
        s -= 1
        name = lines[s]
    e = next((i for i in range(s, len(lines))
              if lines[i].startswith("FAILED |") or lines[i].startswith("error: Test failed")),
             len(lines))
    blk = strip_blank(lines[s:e])
    while blk and blk[-1].strip() == "[WILDCARD]":
        blk = blk[:-1]
    return name, "\n".join(blk)


def tap_blocks(text, indent_unit=4):
    """`not ok` points of a TAP stream with their YAML diagnostics.
    Returns [(path_list, directive, block_text)]; path is built from
    `# Subtest: name` lines at lower indentation."""
    lines = text.split("\n")
    out = []
    subtests = {}  # indent -> name
    i = 0
    while i < len(lines):
        l = lines[i]
        ind = len(l) - len(l.lstrip(" "))
        s = l.strip()
        m = re.match(r"^# Subtest: (.*)$", s)
        if m:
            subtests[ind] = m.group(1)
            for k in [k for k in subtests if k > ind]:
                del subtests[k]
            i += 1
            continue
        m = re.match(r"^not ok \d+ - ?(.*?)(?: # (TODO|SKIP)\b.*)?$", s)
        if m:
            name = m.group(1)
            name = re.sub(r" # time=\S+$", "", name)
            directive = m.group(2)
            blk = [l]
            j = i + 1
            if j < len(lines) and lines[j].strip() == "---":
                while j < len(lines):
                    blk.append(lines[j])
                    if lines[j].strip() == "..." and len(lines[j]) - len(lines[j].lstrip()) <= ind + 2:
                        break
                    j += 1
                j += 1
            parents = [subtests[k] for k in sorted(subtests) if k < ind]
            out.append((parents + [name], directive, "\n".join(blk)))
            i = j
            continue
        i += 1
    return out


def junit_failures(xml_text):
    """[(classname, name, message+"\\n"+body, type)] from a JUnit XML string."""
    root = ET.fromstring(xml_text)
    res = []
    for tc in root.iter("testcase"):
        for f in list(tc):
            if f.tag in ("failure", "error"):
                msg = f.get("message")
                body = f.text or ""
                t = (msg + "\n" + body) if msg is not None else body
                res.append((tc.get("classname"), tc.get("name"), t, f.get("type")))
    return res


# ------------------------------------------------------------------ deno
DENO = "denoland/deno"
DT = "tests/specs/test/"

# (out file, block name) -> (cause, category); block name "*" = every block.
# Cause ids are "deno/<fixture>/<test>" so the same fixture test printed by
# several reporters / runs shares one cause.
DENO_MAP = {
    # ten tests, each with its own `throw new Error()` / own non-Error throw
    "fail/main.out": "PER_TEST",
    "non_error_thrown/main.out": "PER_TEST",
    "aggregate_error/main.out": {"aggregate": ("aggregate_error/main.ts/aggregate", "panic")},
    # every test requests a permission that the --config run does not grant:
    # all six fail on the same permission escalation
    "allow_none/main.out": {"*": ("allow_none/main.ts/permission-escalation", "permission")},
    "doc_failure/main.out": {
        "[WILDCARD]/main.ts#13-18.ts": ("doc_failure/main.ts/div-doc-assertEquals", "assertion"),
        "[WILDCARD]/main.ts#2-9.ts": ("doc_failure/main.ts/module-doc-assertAlmostEquals", "assertion"),
        "[WILDCARD]/main.ts#24-29.ts": ("doc_failure/main.ts/sub-doc-assertEquals", "assertion"),
    },
    "doc_permission_respected/main.out": {"*": ("doc_permission_respected/env-USER-not-allowed", "permission")},
    "doc_shebang_permissions/deny.out": {"*": ("doc_shebang_permissions/deny.ts/deny-env", "permission")},
    "doc_shebang_permissions/main.out": {"*": ("doc_shebang_permissions/main.ts/shebang-without-env", "permission")},
    "doc_shebang_permissions/invalid.out": {"*": ("doc_shebang_permissions/invalid.ts/bad-hashbang", "other")},
    "doc_shebang_permissions/scoped.out": {"*": ("doc_shebang_permissions/scoped.ts/scoped-deny", "other")},
    "document/document_test.out": {"*": ("document/document-global-missing", "dependency")},
    "each/missing_fn.out": {"*": ("each/missing_fn.ts/no-test-fn", "other")},
    "each/not_array.out": {"*": ("each/not_array.ts/cases-not-array", "other")},
    "exit_code/main.out": {"*": ("exit_code/main.js/exitCode-42", "other")},
    "exit_code2/main.out": {
        "Deno.exitCode": ("exit_code2/main.js/Deno.exitCode/throw", "panic"),
        # `success` fails only because the previous test left Deno.exitCode = 5
        "success": ("exit_code2/main.js/exitCode-5-leaked", "other"),
    },
    "exit_code3/main.out": {"*": ("exit_code3/main.js/exitCode-42", "other")},
    "exit_sanitizer/exit_sanitizer.out": {
        "exit(0)": ("exit_sanitizer/exit0", "other"),
        "exit(1)": ("exit_sanitizer/exit1", "other"),
        "exit(2)": ("exit_sanitizer/exit2", "other"),
    },
    "fail_fast/fail_fast.out": {"*": ("fail_fast/fail_fast.ts/test 1", "panic")},
    "fail_with_contain_unicode_filename/main.out": {"*": ("fail_with_contain_unicode_filename/test 0", "panic")},
    "finally_timeout/main.out": {"*": ("finally_timeout/main.ts/error", "panic")},
    # the same throw printed by four reporters
    "hide_stacktraces/dot.out": {"*": ("hide_stacktraces/main.js/assert a b", "assertion")},
    "hide_stacktraces/pretty.out": {"*": ("hide_stacktraces/main.js/assert a b", "assertion")},
    "hooks/afterall_error.out": {"*": ("hooks/afterall_error.ts/afterAll-1", "panic")},
    "hooks/aftereach_error.out": {"*": ("hooks/aftereach_error.ts/afterEach-throws", "panic")},
    "hooks/async_error.out": {
        "second test (beforeEach fails)": ("hooks/async_error.ts/beforeEach-reject", "panic"),
        "third test (afterEach fails)": ("hooks/async_error.ts/afterEach-reject", "panic"),
    },
    "hooks/before_after_each_error.out": {"*": ("hooks/before_after_each_error.ts/test-threw", "panic")},
    "hooks/beforeall_error.out": {"*": ("hooks/beforeall_error.ts/beforeAll-1", "panic")},
    "hooks/beforeeach_error.out": {"*": ("hooks/beforeeach_error.ts/beforeEach-throws", "panic")},
    "hooks/mixed_errors.out": {
        "test 3 - beforeEach fails": ("hooks/mixed_errors.ts/beforeEach-test3", "panic"),
        "test 4 - afterEach fails": ("hooks/mixed_errors.ts/afterEach-test4", "panic"),
        "test 5 - test itself fails": ("hooks/mixed_errors.ts/test5-throws", "panic"),
    },
    "no_check/main.out": {"*": ("no_check/main.ts/Deno.test-no-args", "other")},
    "no_color/main.out": {"*": ("no_color/main.ts/fail", "panic")},
    "no_prompt_by_default/main.out": {"*": ("no_prompt_by_default/read-not-allowed", "permission")},
    "no_prompt_with_denied_perms/main.out": {"*": ("no_prompt_with_denied_perms/read-false", "permission")},
    "only_failed/main.out": {"*": ("only_failed/main.ts/boom", "panic")},
    "ops_sanitizer_closed_inside_started_before/ops_sanitizer_closed_inside_started_before.out":
        {"*": ("ops_sanitizer_closed_inside_started_before/module-timer-cleared-in-test", "other")},
    # both tests call the same helper test() that leaks two timers
    "ops_sanitizer_multiple_timeout_tests/ops_sanitizer_multiple_timeout_tests.out":
        {"*": ("ops_sanitizer_multiple_timeout_tests/helper-test-leaks-timers", "other")},
    "ops_sanitizer_multiple_timeout_tests_no_trace/ops_sanitizer_multiple_timeout_tests_no_trace.out":
        {"*": ("ops_sanitizer_multiple_timeout_tests_no_trace/helper-test-leaks-timers", "other")},
    "ops_sanitizer_tcp/ops_sanitizer_tcp.out": {"*": ("ops_sanitizer_tcp/listener-not-closed", "resource")},
    "ops_sanitizer_unstable/ops_sanitizer_unstable.out": {"*": ("ops_sanitizer_unstable/interval-leak", "other")},
    "parallel_output/main.out": {
        "step failures ... step 2": ("parallel_output/main.ts/step failures/step 2", "panic"),
        "step failures ... step 3": ("parallel_output/main.ts/step failures/step 3", "panic"),
        "step nested failure ... step 1 ... inner 2": ("parallel_output/main.ts/nested/inner 2", "panic"),
    },
    "report_error/main.out": {"*": ("report_error/main.ts/reportError-foo", "panic")},
    "resource_sanitizer/resource_sanitizer.out": {"*": ("resource_sanitizer/file-open-stdin-closed", "resource")},
    "retry/flag_optout.out": {"*": ("retry/flag_optout.ts/always", "panic")},
    "retry/flag_override.out": {"*": ("retry/flag_override.ts/always", "panic")},
    "retry/repeats_fail.out": {"*": ("retry/repeats_fail.ts/second-run", "panic")},
    "retry/repeats_flag.out": {"*": ("retry/repeats_flag.ts/second-run", "panic")},
    "retry/retry_exhausted.out": {"*": ("retry/retry_exhausted.ts/boom", "panic")},
    "sanitizer_with_error/main.out": {"*": ("sanitizer_with_error/main.js/throws", "panic")},
    "snapshot/custom_dir_no_permission.out": {"*": ("snapshot/custom_dir-no-read", "permission")},
    "snapshot/mismatch.out": {"*": ("snapshot/mismatch", "assertion")},
    "snapshot/missing_entry.out": {"*": ("snapshot/missing-entry", "missing-file-or-config")},
    "snapshot/missing_file.out": {"*": ("snapshot/missing-file", "missing-file-or-config")},
    # three copies of the same failing_steps.ts run with pretty / dot / tap
    "steps_dot_failing_steps/failing_steps.dot.out": "FAILING_STEPS",
    "steps_failing_steps/failing_steps.out": "FAILING_STEPS",
    "steps_invalid_usage/invalid_usage.out": {
        "capturing": ("steps_invalid_usage/capturing", "other"),
        "top level missing await ... step": ("steps_invalid_usage/top-level-missing-await", "other"),
        "inner missing await ... step ... inner": ("steps_invalid_usage/inner-missing-await", "other"),
        # step 1 not awaited while step 2 starts: one misuse, two reports
        "parallel steps with sanitizers ... step 2": ("steps_invalid_usage/parallel-with-sanitizers", "other"),
        "parallel steps with sanitizers ... step 1": ("steps_invalid_usage/parallel-with-sanitizers", "other"),
        "parallel steps when first has sanitizer ... step 2": ("steps_invalid_usage/parallel-first-sanitizer", "other"),
        "parallel steps when second has sanitizer ... step 2": ("steps_invalid_usage/parallel-second-sanitizer", "other"),
        "parallel steps where only inner tests have sanitizers ... step 2 ... step inner":
            ("steps_invalid_usage/parallel-inner-sanitizer", "other"),
    },
    "timeout/async_hang.out": {"*": ("timeout/async_hang.ts/hangs-forever", "timeout")},
    "timeout/sync_hot_loop.out": {"*": ("timeout/sync_hot_loop.ts/spins-forever", "timeout")},
    "uncaught_errors/main.out": {
        "foo 1": ("uncaught_errors/foo 1", "panic"),
        "[WILDCARD]/uncaught_errors_1.ts": ("uncaught_errors/foo 3-dangling-reject", "panic"),
        "bar 2": ("uncaught_errors/bar 2", "panic"),
        "bar 3": ("uncaught_errors/bar 3", "panic"),
        "[WILDCARD]/uncaught_errors_3.ts": ("uncaught_errors/module-3-top-level-throw", "panic"),
    },
    "unhandled_rejection/main.out": {"*": ("unhandled_rejection/top-level-reject", "panic")},
    "worker_terminate_pending_promise/main.out":
        {"*": ("worker_terminate_pending_promise/never-resolving-promise", "concurrency")},
    # same test of the same workspace member run from root and from package-b
    "workspace/package_b.out": {"*": ("workspace/package-b/mod.test.ts/fail", "panic")},
    "workspace/root.out": {"*": ("workspace/package-b/mod.test.ts/fail", "panic")},
}

FAILING_STEPS = {
    # inner 1 throws; step 1 and the test fail "due to 1 failed step"
    "nested failure ... step 1 ... inner 1": ("failing_steps.ts/nested failure/inner 1", "panic"),
    "nested failure ... inner 1": ("failing_steps.ts/nested failure/inner 1", "panic"),  # tap: flat
    "nested failure ... step 1": ("failing_steps.ts/nested failure/inner 1", "panic"),
    "nested failure": ("failing_steps.ts/nested failure/inner 1", "panic"),
    "multiple test step failures ... step 1": ("failing_steps.ts/multiple/step 1", "panic"),
    "multiple test step failures ... step 2": ("failing_steps.ts/multiple/step 2", "panic"),
    "failing step in failing test ... step 1": ("failing_steps.ts/failing step in failing test/step 1", "panic"),
    "failing step in failing test": ("failing_steps.ts/failing step in failing test/test body", "panic"),
}

# outputs whose ERRORS header is behind a [WILDCARD]
DENO_BARE = {
    "sanitizer_config_file/ops_leak.out": ("sanitizer_config_file/ops_leak.ts/timer", "other"),
    "sanitizer_config_file/resource_leak.out": ("sanitizer_config_file/resource_leak.ts/file", "resource"),
    "sanitizer_ignored_test_leak/failed_ignored_test_leak.out":
        ("sanitizer_ignored_test_leak/primary-failure", "panic"),
    "sanitizer_ignored_test_leak/genuine_resource_and_op_leak.out":
        ("sanitizer_ignored_test_leak/later-test-leaks-listener-timer", "resource"),
    "sanitizer_module_level/module_ops.out": ("sanitizer_module_level/module_ops.ts/timer", "other"),
    "sanitizer_module_level/module_overrides_config.out":
        ("sanitizer_module_level/module_overrides_config.ts/timer", "other"),
    "unresolved_promise/main.out": ("unresolved_promise/tla-never-resolves", "concurrency"),
    "sanitizer_module_level/module_resources.out": ("sanitizer_module_level/module_resources.ts/file", "resource"),
}

# failing `deno test` outputs elsewhere in the repo (full paths)
DENO_OTHER = {
    "tests/specs/node/node_test_mock/test.out":
        {"done callback with error": ("node_test_mock/test.js/done-callback-error", "panic")},
    "tests/specs/run/custom_stack_getter/failing_test.out":
        {"custom stack getter": ("custom_stack_getter/failing_test.ts/boom", "panic")},
}

DENO_JUNIT = {
    "hide_stacktraces/junit.out": {"*": ("hide_stacktraces/main.js/assert a b", "assertion")},
    "junit_console_formatting/main.out": {"*": ("junit_console_formatting/red-error", "panic")},
    "junit_multiple_test_files/main.out": "PER_TEST",
    "junit_nested/main.out": {
        "parent 1": ("junit_nested/parent 1/child 2", "panic"),
        "parent 1 > child 2": ("junit_nested/parent 1/child 2", "panic"),
        "parent 2 > child 1": ("junit_nested/parent 2/child 1/grandchild 2", "panic"),
        "parent 2 > child 1 > grandchild 2": ("junit_nested/parent 2/child 1/grandchild 2", "panic"),
        "parent 2 > child 2": ("junit_nested/parent 2/child 2", "panic"),
        # "parent 2" fails because of two different steps: left out
    },
}

DENO_TAP = {
    "hide_stacktraces/tap.out": {"*": ("hide_stacktraces/main.js/assert a b", "assertion")},
    "steps_tap_failing_steps/failing_steps.tap.out": "FAILING_STEPS",
}


def deno_lookup(table, name, rel=""):
    if table == "PER_TEST":
        return ("%s/%s" % (rel.split("/")[0], name), "panic")
    if table == "FAILING_STEPS":
        return FAILING_STEPS.get(name)
    if name in table:
        return table[name]
    return table.get("*")


def deno():
    if not have(DENO):
        return
    files = [p for p in ls(DENO, DT) if p.endswith(".out")]
    seen = set()
    for path in files:
        rel = path[len(DT):]
        txt = show(DENO, path)
        if txt is None:
            continue
        if rel in DENO_MAP:
            seen.add(rel)
            table = DENO_MAP[rel]
            fixture_dir = rel.split("/")[0]
            for name, block in deno_pretty_blocks(txt):
                hit = deno_lookup(table, name, rel)
                if hit is None:
                    print("deno: no cause for %s :: %s" % (rel, name), file=sys.stderr)
                    continue
                cause, cat = hit
                shape = "deno-test-dot" if ".dot." in rel or rel.endswith("/dot.out") else "deno-test-pretty"
                add("deno/%s/%s" % (rel, name), "typescript", "deno-test", shape, src(DENO, path),
                    "third/deno/" + cause, cat, name, block, file=fixture_dir)
        elif rel in DENO_BARE:
            seen.add(rel)
            r = deno_bare_error(txt)
            if r:
                name, block = r
                cause, cat = DENO_BARE[rel]
                add("deno/%s/%s" % (rel, name), "typescript", "deno-test", "deno-test-pretty",
                    src(DENO, path), "third/deno/" + cause, cat, name, block)
        elif rel in DENO_JUNIT:
            seen.add(rel)
            table = DENO_JUNIT[rel]
            s = txt.index("<?xml")
            e = txt.index("</testsuites>") + len("</testsuites>")
            for cls, name, t, typ in junit_failures(txt[s:e]):
                if table == "PER_TEST":
                    hit = ("%s/%s/%s" % (rel.split("/")[0], cls, name), "panic")
                else:
                    hit = deno_lookup(table, name)
                if hit is None:
                    continue
                cause, cat = hit
                add("deno/%s/%s" % (rel, name), "typescript", "deno-test", "junit-xml-failure",
                    src(DENO, path), "third/deno/" + cause, cat, name, t, classname=cls)
        elif rel in DENO_TAP:
            seen.add(rel)
            table = DENO_TAP[rel]
            for pth, directive, block in tap_blocks(txt):
                if directive:
                    continue
                pth = [p for p in pth if not p.endswith(".ts") and not p.endswith(".js")]
                name = " ... ".join(pth)
                hit = deno_lookup(table, name)
                if hit is None:
                    continue
                cause, cat = hit
                add("deno/%s/%s" % (rel, name), "typescript", "deno-test", "tap", src(DENO, path),
                    "third/deno/" + cause, cat, name, block)
    for path, table in DENO_OTHER.items():
        txt = show(DENO, path)
        if txt is None:
            continue
        for name, block in deno_pretty_blocks(txt):
            hit = deno_lookup(table, name)
            if hit is None:
                continue
            cause, cat = hit
            add("deno/%s/%s" % (path, name), "typescript", "deno-test", "deno-test-pretty",
                src(DENO, path), "third/deno/" + cause, cat, name, block)
    for k in list(DENO_MAP) + list(DENO_BARE) + list(DENO_JUNIT) + list(DENO_TAP):
        if k not in seen:
            print("deno: expected file not found: %s" % k, file=sys.stderr)



# ------------------------------------------------------------------ node:test
NCT = "nodejs/node-core-test"
NM = "test/message/"

# test path (" / "-joined) -> category; cause = "<fixture>/<path>" unless ALIAS
NODE_OUTPUT = {  # test_runner_output.js (tap, --test tap, spec reporter)
    "sync throw fail": "panic",
    "async throw fail": "panic",
    "async assertion fail": "assertion",
    "reject fail": "panic",
    "subtest sync throw fail / +sync throw fail": "panic",
    "sync throw non-error fail": "panic",
    "top level / +long running": "other",
    "sync skip option is false fail": "panic",
    "callback fail": "panic",
    "callback also returns a Promise": "other",
    "callback throw": "panic",
    "callback called twice": "other",
    "callback called twice in future tick": "other",
    "callback async throw": "panic",
    "custom inspect symbol fail": "panic",
    "custom inspect symbol that throws fail": "panic",
    "subtest sync throw fails / sync throw fails at first": "panic",
    "subtest sync throw fails / sync throw fails at second": "panic",
    "timed out async test": "timeout",
    "timed out callback test": "timeout",
    "rejected thenable": "panic",
    "unfinished test with uncaughtException": "panic",
    "unfinished test with unhandledRejection": "panic",
    "invalid subtest fail": "other",
}
NODE_OUTPUT_ALIAS = {
    # the parent fails only because its one child failed
    "subtest sync throw fail": "subtest sync throw fail / +sync throw fail",
    # `top level` does not await its subtests; +long running is cancelled
    "top level": "top level / +long running",
}
NODE_DESCRIBE = {  # test_runner_desctibe_it.js
    "sync throw fail": "panic",
    "async throw fail": "panic",
    "async skip fail": "other",  # it(async (t)=>...): t is `done`, callback + promise
    "async assertion fail": "assertion",
    "reject fail": "panic",
    "subtest sync throw fail / +sync throw fail": "panic",
    "sync throw non-error fail": "panic",
    "sync skip option is false fail": "panic",
    "callback fail": "panic",
    "callback also returns a Promise": "other",
    "callback throw": "panic",
    "callback called twice": "other",
    "callback called twice in future tick": "other",
    "callback async throw": "panic",
    "custom inspect symbol fail": "panic",
    "custom inspect symbol that throws fail": "panic",
    "subtest sync throw fails / sync throw fails at first": "panic",
    "subtest sync throw fails / sync throw fails at second": "panic",
    "describe sync throw fails": "panic",
    "describe async throw fails": "panic",
    "timeouts / timed out async test": "timeout",
    "timeouts / timed out callback test": "timeout",
    "successful thenable / rejected thenable": "panic",
    "rejected thenable": "panic",
    "invalid subtest fail": "other",
}
NODE_DESCRIBE_ALIAS = {
    "subtest sync throw fail": "subtest sync throw fail / +sync throw fail",
    # the describe body throws: the suite fails and its `it` is cancelled
    "describe sync throw fails / should not run": "describe sync throw fails",
    "describe async throw fails / should not run": "describe async throw fails",
    "successful thenable": "successful thenable / rejected thenable",
}
NODE_HOOKS = {  # test_runner_hooks.js; "#2" = second block with the same path
    "before throws": "panic",
    "after throws": "panic",
    "beforeEach throws": "panic",
    "afterEach throws": "panic",
    "afterEach when test fails / 1": "panic",
    "afterEach throws and test fails / 1": "panic",
    "afterEach throws and test fails / 2": "panic",
    "t.beforeEach throws": "panic",
    "t.afterEach throws": "panic",
    "afterEach when test fails / 1#2": "panic",
    "afterEach throws and test fails / 1#2": "panic",
    "afterEach throws and test fails / 2#2": "panic",
    "t.after() is called if test body throws": "panic",
}
NODE_HOOKS_ALIAS = {
    # before() throws: the suite fails, both its tests are cancelled
    "before throws / 1": "before throws",
    "before throws / 2": "before throws",
    # one throwing beforeEach/afterEach fails both tests and the suite
    "beforeEach throws / 1": "beforeEach throws",
    "beforeEach throws / 2": "beforeEach throws",
    "afterEach throws / 1": "afterEach throws",
    "afterEach throws / 2": "afterEach throws",
    "afterEach when test fails": "afterEach when test fails / 1",
    "t.beforeEach throws / 1": "t.beforeEach throws",
    "t.beforeEach throws / 2": "t.beforeEach throws",
    "t.afterEach throws / 1": "t.afterEach throws",
    "t.afterEach throws / 2": "t.afterEach throws",
    "afterEach when test fails#2": "afterEach when test fails / 1#2",
    # "afterEach throws and test fails" (suite / test) fail for two causes: left out
}
NODE_ABORT = {  # test_runner_abort.js: AbortSignal.timeout(1) aborts parent and children
    "promise timeout signal": "timeout",
    "promise abort signal": "other",
    "callback timeout signal": "timeout",
    "callback abort signal": "other",
}
NODE_ABORT_ALIAS = dict(
    [("promise timeout signal / not ok %d" % i, "promise timeout signal") for i in range(1, 6)] +
    [("callback timeout signal / not ok %d" % i, "callback timeout signal") for i in range(1, 6)])
NODE_ABORT_SUITE = {"describe timeout signal": "timeout", "describe abort signal": "other"}
NODE_ABORT_SUITE_ALIAS = dict(
    [("describe timeout signal / not ok %d" % i, "describe timeout signal") for i in range(1, 6)])
NODE_NOREFS = {"does not keep event loop alive / +does not keep event loop alive": "concurrency"}
NODE_NOREFS_ALIAS = {"does not keep event loop alive":
                     "does not keep event loop alive / +does not keep event loop alive"}
# one never-resolving test leaves the event loop empty: it and the next test fail
NODE_UNRESOLVED = {"never resolving promise": "concurrency"}
NODE_UNRESOLVED_ALIAS = {"fail": "never resolving promise"}

NODE_FILES = [
    # (out file, fixture tag, fixture file, table, alias, strip first path level)
    ("test_runner_output.out", "output", "test_runner_output.js", NODE_OUTPUT, NODE_OUTPUT_ALIAS, False),
    ("test_runner_output_cli.out", "output", "test_runner_output.js", NODE_OUTPUT, NODE_OUTPUT_ALIAS, True),
    ("test_runner_desctibe_it.out", "describe_it", "test_runner_desctibe_it.js", NODE_DESCRIBE,
     NODE_DESCRIBE_ALIAS, False),
    ("test_runner_hooks.out", "hooks", "test_runner_hooks.js", NODE_HOOKS, NODE_HOOKS_ALIAS, False),
    ("test_runner_abort.out", "abort", "test_runner_abort.js", NODE_ABORT, NODE_ABORT_ALIAS, False),
    ("test_runner_abort_suite.out", "abort_suite", "test_runner_abort_suite.js", NODE_ABORT_SUITE,
     NODE_ABORT_SUITE_ALIAS, False),
    ("test_runner_no_refs.out", "no_refs", "test_runner_no_refs.js", NODE_NOREFS, NODE_NOREFS_ALIAS, False),
    ("test_runner_unresolved_promise.out", "unresolved_promise", "test_runner_unresolved_promise.js",
     NODE_UNRESOLVED, NODE_UNRESOLVED_ALIAS, False),
]


def node_resolve(key, table, alias):
    k = alias.get(key, key)
    if k in table:
        return k, table[k]
    return None


def spec_blocks(text):
    """node:test spec reporter (symbols stripped by the fixture): a test line
    `<indent>name (*ms)` followed by deeper-indented error lines.
    Returns [(path, block_text)]."""
    lines = text.split("\n")
    out, groups = [], {}
    for i, l in enumerate(lines):
        if not l.strip():
            continue
        ind = len(l) - len(l.lstrip(" "))
        s = l.strip()
        is_test = s.endswith("(*ms)")
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        nind = len(nxt) - len(nxt.lstrip(" "))
        if not is_test and nxt.strip() and nind == ind + 2 and i > 0:
            groups[ind] = s  # group header of a test with subtests
            for k in [k for k in groups if k > ind]:
                del groups[k]
            continue
        if not is_test:
            continue
        blk = [l]
        j = i + 1
        while j < len(lines) and lines[j].strip() and \
                len(lines[j]) - len(lines[j].lstrip(" ")) > ind:
            blk.append(lines[j])
            j += 1
        if len(blk) == 1:
            continue
        name = s[:-len("(*ms)")].strip()
        path = [groups[k] for k in sorted(groups) if k < ind] + [name]
        out.append((path, "\n".join(blk)))
    return out


def node_core_test():
    if not have(NCT):
        return
    for out, tag, fixture, table, alias, strip in NODE_FILES:
        path = NM + out
        txt = show(NCT, path)
        if txt is None:
            continue
        seen = {}
        for pth, directive, block in tap_blocks(txt):
            if directive:  # TODO / SKIP points are not failures
                continue
            if strip:
                pth = pth[1:]
                if not pth:
                    continue
            key = " / ".join(pth)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += "#%d" % seen[key]
            hit = node_resolve(key, table, alias)
            if hit is None:
                continue
            ck, cat = hit
            add("node-test/%s/%s" % (out, key), "javascript", "node-test",
                "node-test-tap", src(NCT, path), "third/node-test/%s/%s" % (tag, ck), cat,
                pth[-1], block, classname=" > ".join(pth[:-1]), file=NM + fixture)
    # spec reporter run of test_runner_output.js
    path = NM + "test_runner_output_spec_reporter.out"
    txt = show(NCT, path)
    if txt is not None:
        for pth, block in spec_blocks(txt):
            key = " / ".join(pth)
            hit = node_resolve(key, NODE_OUTPUT, NODE_OUTPUT_ALIAS)
            if hit is None:  # TODO / SKIP tests (markers are stripped in this output)
                if key not in ("sync pass todo", "sync fail todo", "sync fail todo with message",
                               "async skip fail"):
                    print("node spec: no cause for %s" % key, file=sys.stderr)
                continue
            ck, cat = hit
            add("node-test/spec/%s" % key, "javascript", "node-test", "node-test-spec",
                src(NCT, path), "third/node-test/output/%s" % ck, cat, pth[-1], block,
                classname=" > ".join(pth[:-1]), file=NM + "test_runner_output.js")



# ------------------------------------------------------------------ tap (tapjs)
TAPJS = "tapjs/tapjs"
TAP_FIXTURE = "src/reporter/test/fixtures/example-tap.ts"
# leaf test name -> (cause, category), from example-tap.ts
TAPJS_CAUSES = {
    "this fails": ("example-tap/failing suite/t.fail", "assertion"),
    "has a diff": ("example-tap/failing suite/strictSame", "assertion"),
    # plan(1) but two asserts: the subtest and the extra point fail together
    "excessive test": ("example-tap/excessive test/plan-1-two-asserts", "other"),
    "test assertion count exceeds plan": ("example-tap/excessive test/plan-1-two-asserts", "other"),
    "unfinished test": ("example-tap/unfinished test/plan-3-one-assert", "other"),
    # "failing suite" and the file-level point fail for several causes: left out
}


def unescape_template(s):
    return re.sub(r"\\([`\\$])", r"\1", s)


def snapshot(text, key):
    """Contents of exports[`key`] = `...` in a tap snapshot .cjs file."""
    i = text.index("exports[`%s`] = `" % key)
    i = text.index("= `", i) + 3
    j = i
    while True:
        j = text.index("`", j)
        if text[j - 1] != "\\":
            break
        j += 1
    return unescape_template(text[i:j])


def markdown_fails(md):
    """tap markdown reporter: `N. <b style="color:red">fail</b> name` items
    with their indented detail block."""
    lines = md.split("\n")
    out = []
    for i, l in enumerate(lines):
        m = re.match(r'^\d+\. <b style="color:red">fail</b> (.*)$', l)
        if not m:
            continue
        blk = [l]
        j = i + 1
        while j < len(lines) and not re.match(r"^(\d+\. <b|----|#)", lines[j]):
            blk.append(lines[j])
            j += 1
        out.append((m.group(1), "\n".join(strip_blank(blk))))
    return out


def tapjs():
    if not have(TAPJS):
        return
    path = "src/reporter/test/fixtures/example-tap.tap"
    txt = show(TAPJS, path)
    if txt is not None:
        for pth, directive, block in tap_blocks(txt):
            if directive or pth[-1] not in TAPJS_CAUSES:
                continue
            cause, cat = TAPJS_CAUSES[pth[-1]]
            add("tap/example-tap.tap/%s" % " > ".join(pth[1:]), "typescript", "tap", "tap",
                src(TAPJS, path), "third/tap/" + cause, cat, pth[-1], block,
                classname=" > ".join(pth[:-1]), file=TAP_FIXTURE)
    path = "src/reporter/tap-snapshots/test/junit.ts.test.cjs"
    txt = show(TAPJS, path)
    if txt is not None:
        x = snapshot(txt, "test/junit.ts > TAP > junit 1")
        x = x[x.index("<?xml"):]
        for cls, name, t, typ in junit_failures(x):
            if name not in TAPJS_CAUSES:
                continue
            cause, cat = TAPJS_CAUSES[name]
            add("tap/junit/%s/%s" % (cls, name), "typescript", "tap", "junit-xml-failure",
                src(TAPJS, path), "third/tap/" + cause, cat, name, t, classname=cls,
                file=TAP_FIXTURE, type=typ)
    path = "src/reporter/tap-snapshots/test/markdown.ts.test.cjs"
    txt = show(TAPJS, path)
    if txt is not None:
        md = snapshot(txt, "test/markdown.ts > TAP > markdown 1")
        for name, block in markdown_fails(md):
            if name not in TAPJS_CAUSES:
                continue
            cause, cat = TAPJS_CAUSES[name]
            add("tap/markdown/%s" % name, "typescript", "tap", "tap-markdown", src(TAPJS, path),
                "third/tap/" + cause, cat, name, block, file=TAP_FIXTURE)



# ------------------------------------------------------------------ QUnit CLI
QUNIT = "qunitjs/qunit"
QF = "test/cli/fixtures/"
# fixture -> {test name (or "*") -> category}; cause = "qunit/<fixture>/<test>"
QUNIT_MAP = {
    "_sourcemap": {"Example > bad": "assertion"},
    "assert-expect-failure-step": {"*": "assertion"},
    "assert-expect-failure": {"*": "assertion"},
    "assert-expect-no-assertions": {"*": "other"},
    "assert-failure": {"*": "assertion"},
    "assert-throws-failure": {"*": "assertion"},
    "async-module-error-promise": {"*": "other"},
    "async-module-error-thenable": {"*": "other"},
    "async-module-error": {"*": "other"},
    "async-test-throw": {"*": "panic"},
    "callbacks-rejected": {"*": "panic"},
    "config-noglobals-add": {"*": "other"},
    "config-noglobals-remove": {"*": "other"},
    "config-notrycatch-hook-rejection": {"*": "panic"},
    "config-notrycatch-test-rejection": {"*": "panic"},
    "config-requireExpects": {"*": "other"},
    "config-testTimeout": {"*": "timeout"},
    "done-after-timeout": {"*": "timeout"},
    "drooling-done": {"*": "panic"},
    "drooling-extra-done": {"*": "other"},
    "event-runEnd-memory": {"*": "assertion"},
    "hanging-test": {"*": "timeout"},
    "hooks-global-throw": {"*": "panic"},
    "no-tests": {"*": "other"},
    "only-test-only-module-mix": {"*": "other"},
    "pending-async-after-timeout": {"*": "timeout"},
    "preconfig-flat": {"*": "timeout"},
    "syntax-error": {"*": "panic"},
    "timeout": {"*": "timeout"},
    "too-many-done-calls": {"*": "other"},
    "uncaught-error-after-assert-async": {"*": "panic"},
    "uncaught-error-callbacks-begin": {"*": "panic"},
    "uncaught-error-in-hook": {"*": "panic"},
    "unhandled-rejection": {"*": "panic"},
}


def qunit_blocks(text):
    """QUnit CLI TAP: `not ok N name` plus every indented YAML block after it
    (QUnit prints one block per failed assertion)."""
    lines = text.split("\n")
    out = []
    for i, l in enumerate(lines):
        m = re.match(r"^not ok \d+ (.*?)(?: # (TODO|SKIP)\b.*)?$", l)
        if not m:
            continue
        blk = [l]
        j = i + 1
        while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
            blk.append(lines[j])
            j += 1
        out.append((m.group(1), m.group(2), "\n".join(strip_blank(blk))))
    return out


def qunit():
    if not have(QUNIT):
        return
    for fx, table in QUNIT_MAP.items():
        path = QF + fx + ".tap.txt"
        txt = show(QUNIT, path)
        if txt is None:
            continue
        for name, directive, block in qunit_blocks(txt):
            if directive:
                continue
            cat = table.get(name, table.get("*"))
            if cat is None:
                continue
            add("qunit/%s/%s" % (fx, name), "javascript", "qunit", "qunit-tap", src(QUNIT, path),
                "third/qunit/%s/%s" % (fx, name), cat, name, block,
                file=QF + ("sourcemap/source.js" if fx == "_sourcemap" else fx + ".js"))


# ------------------------------------------------------------------ main
def main():
    deno()
    node_core_test()
    tapjs()
    qunit()
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %d records to %s" % (len(records), OUT))
    if missing:
        print("missing mirrors: " + ", ".join(missing))


if __name__ == "__main__":
    main()
