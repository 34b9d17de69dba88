#!/usr/bin/env python3
"""Third-party evaluation set, group `ci-logs`: failure texts from CI / test logs
pasted by people in public GitHub issue and pull-request threads.

Texts from issue threads cannot be re-fetched by a script, so they were copied by
hand (verbatim, one failing test per text) into manual files:

    $FAILTALE_EVAL_THIRD/manual/ci-logs/<n>.txt

Manual file format:
    line 1: the thread's https URL (becomes `source`)
    then one or more blocks, each starting with a header line
        @@@ key=value key=value ... name=<rest of line>
    keys: lang runner shape cause category name [file] [classname] [type]
    `name` and everything after it up to the next ` file=` / ` classname=` /
    ` type=` key is the test name (names may contain spaces).
    The block's text is every following line up to the next `@@@ ` header or
    end of file; trailing newlines are removed.

Labels (`cause`, `category`) were decided from the thread's own explanation
(maintainer comments, linked fix), never from how texts look.

Writes $FAILTALE_EVAL_THIRD/ci-logs.jsonl (default /work/cache/failtale-eval-third).
FAILTALE_MIRRORS is accepted for symmetry with the other extractors but unused:
this group reads no repository mirrors.
"""
import json
import os
import re
import sys
from collections import Counter

OUT_DIR = os.environ.get("FAILTALE_EVAL_THIRD", "/work/cache/failtale-eval-third")
MIRRORS = os.environ.get("FAILTALE_MIRRORS", "/work/.mirror")  # unused
MANUAL = os.path.join(OUT_DIR, "manual", "ci-logs")

LANGS = {"javascript", "typescript", "rust", "cpp", "c", "go", "java", "kotlin", "scala", "python"}
CATS = {"assertion", "panic", "timeout", "network", "resource", "permission",
        "missing-file-or-config", "dependency", "database", "crash", "concurrency",
        "flaky-infrastructure", "other"}
KEYS = ("lang", "runner", "shape", "cause", "category", "name", "file", "classname", "type")
KEY_RE = re.compile(r"(?:^| )(%s)=" % "|".join(KEYS))


def parse_header(line):
    body = line[4:].rstrip("\n")
    marks = [(m.group(1), m.start(), m.end()) for m in KEY_RE.finditer(body)]
    meta = {}
    for i, (k, _s, e) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else len(body)
        meta[k] = body[e:end].strip()
    return meta


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    url = lines[0].strip()
    assert url.startswith("https://"), path
    items, cur, buf = [], None, []

    def flush():
        if cur is not None:
            text = "\n".join(buf).rstrip("\n")
            items.append((cur, text))

    for line in lines[1:]:
        if line.startswith("@@@ "):
            flush()
            cur, buf = parse_header(line), []
        else:
            buf.append(line)
    flush()
    return url, items


def main():
    if not os.path.isdir(MANUAL):
        sys.exit("no manual dir %s" % MANUAL)
    rows, seen = [], Counter()
    for fn in sorted(os.listdir(MANUAL)):
        if not fn.endswith(".txt"):
            continue
        url, items = parse_file(os.path.join(MANUAL, fn))
        for meta, text in items:
            for k in ("lang", "runner", "shape", "cause", "category", "name"):
                assert meta.get(k), (fn, k, meta)
            assert meta["lang"] in LANGS, (fn, meta)
            assert meta["category"] in CATS, (fn, meta)
            assert text.strip(), (fn, meta)
            base = "third/ci-logs/%s/%s/%s" % (meta["runner"], fn[:-4], meta["name"])
            seen[base] += 1
            rid = base if seen[base] == 1 else "%s#%d" % (base, seen[base])
            row = {"id": rid, "lang": meta["lang"], "runner": meta["runner"],
                   "shape": meta["shape"], "source": url, "cause": meta["cause"],
                   "category": meta["category"], "name": meta["name"]}
            for k in ("classname", "file", "type"):
                if meta.get(k):
                    row[k] = meta[k]
            row["text"] = text
            rows.append(row)
    out = os.path.join(OUT_DIR, "ci-logs.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    causes = Counter(r["cause"] for r in rows)
    multi = sum(1 for c in causes.values() if c > 1)
    in_multi = sum(c for c in causes.values() if c > 1)
    print("wrote %d texts to %s" % (len(rows), out))
    print("threads: %d" % len({r["source"] for r in rows}))
    print("causes: %d, with 2+ members: %d (texts in them: %d)" % (len(causes), multi, in_multi))
    for key in ("lang", "runner", "shape", "category"):
        print(key, dict(Counter(r[key] for r in rows).most_common()))


if __name__ == "__main__":
    main()
