"""failtale for pytest: each failing test is explained by a failtale server.

Copy this file next to your tests (or into your root conftest.py) and set:

    FAILTALE_URL    the server, e.g. http://failtale.internal:5050
    FAILTALE_TOKEN  a token it accepts
    FAILTALE_TIMEOUT  seconds to wait for an answer (default 30)
    FAILTALE_COMPONENTS  components to collect context from, comma-separated
                         (only those the server's configuration has)

When a test fails, its failure and captured output go to the server's
failure hook (POST /v1/analyze). The answer is added to the test's report
(a "failtale" section pytest prints with the failure) and to its JUnit
properties (failtale.category, failtale.root_cause, failtale.fix,
failtale.fingerprint, failtale.flake_verdict) when pytest writes
--junitxml. Without FAILTALE_URL nothing is sent; a server that is down or
slow never fails a test run: the report says why there is no analysis.

Only the standard library is used.
"""

import json
import os
import urllib.error
import urllib.request

import pytest


def _ask(url, token, payload, timeout):
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/analyze",
        data=json.dumps(payload).encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer " + token,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read().decode("utf-8"))


def _describe(answer):
    lines = []
    analysis = answer.get("analysis") or {}
    if analysis:
        lines.append(
            "root cause (%s, %s): %s"
            % (analysis.get("category"), analysis.get("severity"), analysis.get("root_cause"))
        )
        lines.append("fix: %s" % analysis.get("fix_suggestion"))
    elif answer.get("analysis_error"):
        lines.append("no analysis: %s" % answer["analysis_error"])
    flake = answer.get("flake") or {}
    if flake:
        lines.append(
            "history: %s (grade %s, %s)"
            % (flake.get("verdict"), flake.get("grade"), flake.get("reason"))
        )
    for evidence in answer.get("evidence") or []:
        source = (evidence.get("provenance") or {}).get("collector", "collector")
        lines.append("[%s]\n%s" % (source, evidence.get("text", "").rstrip()))
    lines.append("fingerprint: %s" % answer.get("fingerprint"))
    return "\n".join(lines)


def _properties(answer):
    analysis = answer.get("analysis") or {}
    flake = answer.get("flake") or {}
    props = [("failtale.fingerprint", answer.get("fingerprint"))]
    if analysis:
        props += [
            ("failtale.category", analysis.get("category")),
            ("failtale.root_cause", analysis.get("root_cause")),
            ("failtale.fix", analysis.get("fix_suggestion")),
        ]
    if flake:
        props.append(("failtale.flake_verdict", flake.get("verdict")))
    return [(k, v) for k, v in props if v is not None]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    url = os.environ.get("FAILTALE_URL")
    if not url or not report.failed or report.when != "call":
        return
    output = "\n".join(text for _, text in report.sections if text)
    components = [
        c.strip() for c in os.environ.get("FAILTALE_COMPONENTS", "").split(",") if c.strip()
    ]
    payload = {
        "test": item.nodeid,
        "failure": report.longreprtext,
        "output": output,
        "components": components,
    }
    try:
        answer = _ask(
            url,
            os.environ.get("FAILTALE_TOKEN", ""),
            payload,
            float(os.environ.get("FAILTALE_TIMEOUT", "30")),
        )
    except (urllib.error.URLError, OSError, ValueError) as error:
        report.sections.append(("failtale", "no analysis: the server did not answer (%s)" % error))
        return
    report.sections.append(("failtale", _describe(answer)))
    props = _properties(answer)
    item.user_properties.extend(props)
    report.user_properties = list(report.user_properties) + props
