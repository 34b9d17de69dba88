#!/usr/bin/env bash
# Rebuilds the real-failure evaluation set in a cache outside the repository.
#
# The texts are third parties' (runner repositories' expected-output files
# and CI logs from issue threads), so none of them is committed. The
# extractors read public repositories brought onto the machine as bare git
# mirrors under $FAILTALE_MIRRORS (one `owner+name` folder each, as the
# session tool `fetch github:owner/name` makes them), plus the shared result
# corpus, and write one JSONL file per language group into $FAILTALE_EVAL.
# Texts that only exist in issue threads cannot be fetched by a script: they
# are kept under $FAILTALE_EVAL/manual/<group>/, one file per thread, each
# starting with the thread's address.
#
#   FAILTALE_EVAL=../cache/failtale-eval failtale-core/eval/fetch.sh
#   cargo run --release -p failtale-core --example eval_real -- "$FAILTALE_EVAL" --half test
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export FAILTALE_EVAL="${FAILTALE_EVAL:-$here/../../../cache/failtale-eval}"
export FAILTALE_MIRRORS="${FAILTALE_MIRRORS:-/work/.mirror}"
export FAILTALE_EVAL_FRESH="${FAILTALE_EVAL_FRESH:-$here/../../../cache/failtale-eval-fresh}"
export FAILTALE_EVAL_THIRD="${FAILTALE_EVAL_THIRD:-$here/../../../cache/failtale-eval-third}"
export FAILTALE_CORPUS="${FAILTALE_CORPUS:-$here/../../../shared/corpus}"
mkdir -p "$FAILTALE_EVAL" "$FAILTALE_EVAL_FRESH" "$FAILTALE_EVAL_THIRD"
status=0
# The first set (tuned on one half), the fresh set (gathered afterwards) and
# the third set (other runners and threads; measured before any change for
# it, then tuned on its tune half only).
for x in js cpp rust jvm_go_python fresh_js_rust fresh_cpp_jvm_go_python \
    third_js third_rust_cpp third_jvm_go_python third_ci_logs; do
  echo "==> extract_$x.py"
  python3 "$here/extract_$x.py" || status=$?
done
wc -l "$FAILTALE_EVAL"/*.jsonl "$FAILTALE_EVAL_FRESH"/*.jsonl "$FAILTALE_EVAL_THIRD"/*.jsonl
exit "$status"
