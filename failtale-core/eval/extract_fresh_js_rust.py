#!/usr/bin/env python3
"""Extract the FRESH held-out JavaScript/TypeScript and Rust failure texts.

No network. Reads git mirrors under $FAILTALE_MIRRORS (default /work/.mirror)
with `git --git-dir=DIR show HEAD:path`, and hand-saved issue excerpts under
/work/cache/failtale-eval-fresh/manual/js-rust/*.txt (first line "URL: ...",
then blocks "=== BLOCK key=value; key=value" followed by the verbatim text).
Writes /work/cache/failtale-eval-fresh/js-rust.jsonl.
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
MANUAL = os.path.join(OUT_DIR, "manual", "js-rust")
OUT = os.path.join(OUT_DIR, "js-rust.jsonl")

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
    r = subprocess.run(["git", "--git-dir=" + d, "show", "HEAD:" + path], capture_output=True)
    if r.returncode != 0:
        print("cannot read %s:%s" % (repo, path), file=sys.stderr)
        return None
    return r.stdout.decode("utf-8", "replace")


def commit(repo):
    if repo not in _commits:
        r = subprocess.run(["git", "--git-dir=" + gitdir(repo), "rev-parse", "HEAD"],
                           capture_output=True, text=True)
        _commits[repo] = r.stdout.strip()[:12]
    return _commits[repo]


def add(id_, lang, runner, shape, source, cause, category, name, text, **opt):
    id_ = "fresh/" + id_ if not id_.startswith("fresh/") else id_
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


# ---------------------------------------------------------------- mirrors
def dorny_jest_junit():
    repo, path = "dorny/test-reporter", "__tests__/fixtures/jest-junit.xml"
    s = show(repo, path)
    if s is None:
        return
    causes = {
        "Failing test": ("fresh/js/dorny-jest-demo/failing-test-false", "assertion"),
        "Exception in target unit": ("fresh/js/dorny-jest-demo/lib-throwError", "panic"),
        "Exception in test": ("fresh/js/dorny-jest-demo/test-throws", "panic"),
        "Timeout test": ("fresh/js/dorny-jest-demo/1ms-timeout", "timeout"),
    }
    for suite in ET.fromstring(s).iter("testsuite"):
        for tc in suite.iter("testcase"):
            f = tc.find("failure")
            if f is None:
                continue
            name = tc.get("name")
            cause, cat = causes[name]
            cls = tc.get("classname")
            add("js/dorny-jest-junit/%s/%s" % (suite.get("name"), name), "javascript", "jest",
                "jest-junit", "%s@%s:%s#testcase=%s %s" % (repo, commit(repo), path, cls, name),
                cause, cat, ("%s %s" % (cls, name)).strip(), f.text or "",
                classname=cls, file=suite.get("name"))


def dorny_mocha_json():
    repo, path = "dorny/test-reporter", "__tests__/fixtures/mocha-json.json"
    s = show(repo, path)
    if s is None:
        return
    causes = {
        "Timeout test": ("fresh/js/dorny-mocha-demo/1ms-timeout", "timeout"),
        "Test 1 Test 1.1 Failing test": ("fresh/js/dorny-mocha-demo/failing-test-false", "assertion"),
        "Test 1 Test 1.1 Exception in target unit": ("fresh/js/dorny-mocha-demo/lib-throwError", "panic"),
        "Test 2 Exception in test": ("fresh/js/dorny-mocha-demo/test-throws", "panic"),
    }
    for t in json.loads(s)["failures"]:
        full = t["fullTitle"]
        cause, cat = causes[full]
        add("js/dorny-mocha-json/" + full, "javascript", "mocha", "mocha-json-err-stack",
            "%s@%s:%s#failures/%s" % (repo, commit(repo), path, full), cause, cat, full,
            t["err"]["stack"], file=t.get("file"))


def dorny_external_jest():
    repo, path = "dorny/test-reporter", "__tests__/fixtures/external/jest/jest-test-results.xml"
    s = show(repo, path)
    if s is None:
        return
    for suite in ET.fromstring(s).iter("testsuite"):
        for tc in suite.iter("testcase"):
            f = tc.find("failure")
            if f is None:
                continue
            text = f.text or ""
            cat = "assertion" if text.startswith("Error: expect(") else "dependency"
            add("ts/dorny-jest-own-run/%s/%s" % (suite.get("name"), tc.get("name")), "typescript",
                "jest", "jest-junit",
                "%s@%s:%s#testsuite=%s/testcase=%s" % (repo, commit(repo), path, suite.get("name"), tc.get("name")),
                "fresh/ts/jest-own-run/hg-empty-revision-range", cat, tc.get("name"), text,
                classname=tc.get("classname"), file=suite.get("name"))


def codecov_vitest():
    repo, path = "codecov/test-results-parser", "tests/vitest-junit.xml"
    s = show(repo, path)
    if s is None:
        return
    for suite in ET.fromstring(s).iter("testsuite"):
        for tc in suite.iter("testcase"):
            f = tc.find("failure")
            if f is None:
                continue
            add("ts/codecov-vitest-junit/" + tc.get("name"), "typescript", "vitest", "vitest-junit",
                "%s@%s:%s#testcase=%s" % (repo, commit(repo), path, tc.get("name")),
                "fresh/ts/codecov-vitest-demo/2plus2-is-5", "assertion", tc.get("name"), f.text or "",
                classname=tc.get("classname"), file=suite.get("name"), type=f.get("type"))


# ---------------------------------------------------------------- manual excerpts
def manual():
    for fn in sorted(glob.glob(os.path.join(MANUAL, "*.txt"))):
        raw = open(fn, encoding="utf-8").read()
        header, _, body = raw.partition("\n")
        url = header.split("URL: ", 1)[1].strip()
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
    dorny_jest_junit()
    dorny_mocha_json()
    dorny_external_jest()
    codecov_vitest()
    manual()
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %d records to %s" % (len(records), OUT), file=sys.stderr)
    if missing:
        print("missing mirrors: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
