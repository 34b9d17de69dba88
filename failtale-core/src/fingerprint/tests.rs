//! Parser and signature tests on realistic failure texts (written for these tests).

use super::*;

fn sig(text: &str) -> Signature {
    StructuredFingerprint::default().signature_of(text, None, &TestRef::default())
}

fn sig_for(text: &str, name: &str, file: &str) -> Signature {
    StructuredFingerprint::default().signature_of(
        text,
        None,
        &TestRef {
            name,
            classname: None,
            file: Some(file),
        },
    )
}

fn get<'a>(s: &'a Signature, name: &str) -> Vec<&'a str> {
    s.components
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.value.as_str())
        .collect()
}

fn one<'a>(s: &'a Signature, name: &str) -> &'a str {
    let v = get(s, name);
    assert_eq!(v.len(), 1, "{name} in {:#?}", s.components);
    v[0]
}

const RUST_ASSERT: &str = "thread 'cart::tests::totals_include_tax' panicked at src/cart.rs:88:9:
assertion `left == right` failed: total for order 4412
  left: 107
 right: 108
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

#[test]
fn rust_assert_eq_keeps_left_right_and_drops_line_numbers() {
    let s = sig(RUST_ASSERT);
    assert_eq!(one(&s, "language"), "rust");
    assert_eq!(one(&s, "kind"), "assert_eq");
    assert_eq!(
        one(&s, "message"),
        "total for order <num> left: <num> right: <num>"
    );
    assert_eq!(one(&s, "location"), "cart.rs");
    let moved = RUST_ASSERT
        .replace("88:9", "91:13")
        .replace("totals_include_tax", "other")
        .replace("4412", "9");
    assert_eq!(sig(&moved).hash, s.hash);
}

#[test]
fn rust_old_quoted_panic_format() {
    let old = "thread 'main' panicked at 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`', src/main.rs:4:5\n";
    let s = sig(old);
    assert_eq!(one(&s, "kind"), "assert_eq");
    assert_eq!(one(&s, "location"), "main.rs");
    assert_eq!(one(&s, "message"), "left: `<num>`, right: `<num>`");
}

#[test]
fn a_placeholder_location_ends_an_old_format_panic_as_a_numbered_one_does() {
    // compiletest and miri normalise the numbers to `LL:CC`; the old and the
    // new format of one panic give one message.
    let old = "thread 'main' panicked at 'attempt to shift left with overflow', src/shift.rs:LL:CC\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    let new = "thread 'main' panicked at src/shift.rs:LL:CC:\nattempt to shift left with overflow\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    assert_eq!(
        one(&sig(old), "message"),
        "attempt to shift left with overflow"
    );
    assert_eq!(sig(old).hash, sig(new).hash);
}

const RUST_UNWRAP_BT: &str = "thread 'store::load_missing' panicked at src/store.rs:41:37:
called `Result::unwrap()` on an `Err` value: Os { code: 2, kind: NotFound, message: \"No such file or directory\" }
stack backtrace:
   0: rust_begin_unwind
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5
   1: core::panicking::panic_fmt
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:74:14
   2: core::result::unwrap_failed
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/result.rs:1700:5
   3: shopkeep::store::Store::open::h5f1c2a9b3d4e6f70
             at ./src/store.rs:41:37
   4: <shopkeep::store::Store as shopkeep::Load>::load::h0a1b2c3d4e5f6a7b
             at ./src/store.rs:90:9
   5: shopkeep::store::tests::load_missing::h99aa88bb77cc66dd
             at ./src/store.rs:130:9
   6: core::ops::function::FnOnce::call_once
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/ops/function.rs:250:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
";

#[test]
fn rust_unwrap_err_with_backtrace_frames() {
    let s = sig(RUST_UNWRAP_BT);
    assert_eq!(one(&s, "kind"), "unwrap on Err");
    assert_eq!(
        one(&s, "message"),
        "Os { code: <num>, kind: NotFound, message: \"No such file or directory\" }"
    );
    // Hash suffixes stripped, std and the test function itself left out.
    assert_eq!(
        get(&s, "frame"),
        vec![
            "shopkeep::store::Store::open (store.rs)",
            "<shopkeep::store::Store as shopkeep::Load>::load (store.rs)"
        ]
    );
}

#[test]
fn rust_in_app_crates_from_metadata_decide() {
    let mut config = FingerprintConfig::default();
    config.in_app_crates.insert("other_crate".into());
    let s =
        StructuredFingerprint::new(config).signature_of(RUST_UNWRAP_BT, None, &TestRef::default());
    assert!(
        get(&s, "frame").is_empty(),
        "shopkeep is not a workspace crate here"
    );
}

#[test]
fn rust_option_unwrap_and_test_returning_err() {
    let s = sig(
        "thread 'a' panicked at src/lib.rs:3:5:\ncalled `Option::unwrap()` on a `None` value\n",
    );
    assert_eq!(one(&s, "kind"), "unwrap on None");
    let s = sig(
        "Error: Custom { kind: Other, error: \"config missing\" }\nthread 'loads' panicked at library/test/src/lib.rs:250:5:\nassertion `left == right` failed: the test returned a termination value with a non-zero status code (1) which indicates a failure\n  left: 1\n right: 0\n",
    );
    assert_eq!(one(&s, "kind"), "test returned Err");
    assert!(one(&s, "message").contains("config missing"));
}

const JAVA_CHAIN: &str = "org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection after 30000ms
\tat org.springframework.orm.jpa.vendor.HibernateJpaDialect.convert(HibernateJpaDialect.java:277)
\tat com.acme.orders.OrderRepository.save(OrderRepository.java:41)
\tat com.acme.orders.OrderService.place(OrderService.java:88)
\tat com.acme.orders.OrderServiceTest.placesOrder(OrderServiceTest.java:27)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:728)
Caused by: java.net.ConnectException: Connection refused: localhost/127.0.0.1:5432
\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)
\tat com.acme.db.PoolFactory.open(PoolFactory.java:120)
\t... 12 more
";

#[test]
fn jvm_root_cause_decides_and_outer_is_kept() {
    let s = sig(JAVA_CHAIN);
    assert_eq!(one(&s, "language"), "jvm");
    // Simple names: Surefire summaries and some reporters write only those.
    assert_eq!(one(&s, "kind"), "ConnectException");
    assert_eq!(one(&s, "outer"), "DataAccessResourceFailureException");
    assert_eq!(
        one(&s, "message"),
        "Connection refused: localhost/<ip>:<port>"
    );
    assert_eq!(
        get(&s, "frame"),
        vec![
            "com.acme.db.PoolFactory.open (PoolFactory.java)",
            "com.acme.orders.OrderRepository.save (OrderRepository.java)",
            "com.acme.orders.OrderService.place (OrderService.java)"
        ]
    );
    assert_eq!(one(&s, "environment"), "connection refused localhost:5432");
}

#[test]
fn jvm_same_exception_type_different_cause_differs() {
    let a = "java.lang.NullPointerException: Cannot invoke \"com.acme.Order.getTotal()\" because \"order\" is null\n\tat com.acme.billing.Invoicer.total(Invoicer.java:52)\n\tat com.acme.billing.InvoicerTest.totals(InvoicerTest.java:20)\n";
    let b = "java.lang.NullPointerException: Cannot invoke \"com.acme.User.getEmail()\" because \"user\" is null\n\tat com.acme.mail.Notifier.send(Notifier.java:31)\n\tat com.acme.mail.NotifierTest.sends(NotifierTest.java:18)\n";
    assert_ne!(sig(a).hash, sig(b).hash);
    // The same NPE reached from two different test classes is one cause.
    let a2 = a
        .replace(
            "InvoicerTest.totals(InvoicerTest.java:20)",
            "BillingIT.endToEnd(BillingIT.java:99)",
        )
        .replace(":52)", ":53)");
    assert_eq!(sig(a).hash, sig(&a2).hash);
}

#[test]
fn jvm_multiline_assertion_message() {
    let t = "org.opentest4j.AssertionFailedError: expected: <PAID> but was: <PENDING>\n\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)\n\tat com.acme.pay.PaymentFlowTest.pays(PaymentFlowTest.java:64)\n";
    let s = sig(t);
    assert_eq!(one(&s, "kind"), "AssertionFailedError");
    assert_eq!(one(&s, "message"), "expected: <PAID> but was: <PENDING>");
    assert!(
        get(&s, "frame").is_empty(),
        "junit and the test class are not in-app"
    );
}

const PYTEST_LONG: &str = "    def test_total(order_factory):
        order = order_factory(items=3)
>       assert order.total == 107.5
E       assert 107.0 == 107.5
E        +  where 107.0 = <Order id=4412 items=3>.total

tests/test_orders.py:27: AssertionError
";

#[test]
fn python_pytest_assertion_rewriting() {
    let s = sig(PYTEST_LONG);
    assert_eq!(one(&s, "language"), "python");
    assert_eq!(one(&s, "kind"), "AssertionError");
    assert_eq!(
        one(&s, "message"),
        "assert <num> == <num> + where <num> = <Order id=<num> items=<num>>.total"
    );
    assert_eq!(one(&s, "statement"), "assert order.total == <num>");
    assert!(
        get(&s, "frame").is_empty(),
        "the test file is not a frame of the cause"
    );
}

#[test]
fn python_plain_traceback_final_exception() {
    let t = "Traceback (most recent call last):
  File \"/home/ci/app/tests/test_api.py\", line 42, in test_create
    resp = client.post(\"/orders\", json=payload)
  File \"/home/ci/app/app/client.py\", line 88, in post
    return self._send(req)
  File \"/home/ci/.venv/lib/python3.12/site-packages/requests/sessions.py\", line 703, in send
    r = adapter.send(request, **kwargs)
requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8080): Max retries exceeded with url: /orders (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3a2c1d0e50>: Failed to establish a new connection: [Errno 111] Connection refused'))
";
    let s = sig(t);
    assert_eq!(one(&s, "kind"), "requests.exceptions.ConnectionError");
    assert!(
        one(&s, "message").starts_with("HTTPConnectionPool(host=<str>, port=<num>): Max retries")
    );
    assert_eq!(get(&s, "frame"), vec!["post (client.py)"]);
    assert_eq!(one(&s, "environment"), "connection refused localhost:8080");
}

#[test]
fn python_key_errors_with_different_keys_differ() {
    let t = |k: &str| {
        format!(
            "Traceback (most recent call last):\n  File \"app/cfg.py\", line 9, in load\n    return env[{k}]\nKeyError: '{k}'\n"
        )
    };
    assert_ne!(sig(&t("DATABASE_URL")).hash, sig(&t("REDIS_URL")).hash);
}

const GO_PANIC: &str = "--- FAIL: TestCartTotal (0.00s)
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
\tpanic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4f5a3c]

goroutine 7 [running]:
testing.tRunner.func1.2({0x5c1e20, 0x7a4c10})
\t/usr/local/go/src/testing/testing.go:1545 +0x238
panic({0x5c1e20?, 0x7a4c10?})
\t/usr/local/go/src/runtime/panic.go:914 +0x21f
github.com/acme/shop/internal/cart.(*Cart).Total(0x0)
\t/home/ci/shop/internal/cart/cart.go:57 +0x1c
github.com/acme/shop/internal/cart.TestCartTotal(0xc000103380)
\t/home/ci/shop/internal/cart/cart_test.go:22 +0x2a
testing.tRunner(0xc000103380, 0x5d6f40)
\t/usr/local/go/src/testing/testing.go:1595 +0xff
";

#[test]
fn go_panic_with_goroutine_stack() {
    let s = sig(GO_PANIC);
    assert_eq!(one(&s, "language"), "go");
    assert_eq!(one(&s, "kind"), "panic");
    assert_eq!(
        one(&s, "message"),
        "runtime error: invalid memory address or nil pointer dereference signal SIGSEGV"
    );
    assert_eq!(get(&s, "frame"), vec!["cart.(*Cart).Total (cart.go)"]);
}

#[test]
fn go_test_error_lines_and_testify() {
    let plain = "=== RUN   TestParse\n    parse_test.go:42: parse(\"a=1\"): got 2 fields, want 1\n--- FAIL: TestParse (0.00s)\n";
    let s = sig(plain);
    assert_eq!(one(&s, "kind"), "t.Error");
    assert_eq!(
        one(&s, "message"),
        "parse(\"a=<num>\"): got <num> fields, want <num>"
    );
    assert!(
        get(&s, "location").is_empty(),
        "the test file is not part of the signature"
    );
    let testify = "    store_test.go:88: \n        \tError Trace:\t/home/ci/src/store/store_test.go:88\n        \tError:      \tNot equal: \n        \t            \texpected: 3\n        \t            \tactual  : 4\n        \tTest:       \tTestStoreCount\n        \tMessages:   \trow count after insert\n";
    let s = sig(testify);
    assert_eq!(one(&s, "kind"), "testify assertion");
    let m = one(&s, "message");
    assert!(
        m.contains("Not equal:")
            && m.contains("row count after insert")
            && !m.contains("TestStoreCount"),
        "{m}"
    );
}

#[test]
fn javascript_jest_matcher_and_frames() {
    let t = "Error: expect(received).toBe(expected) // Object.is equality

Expected: 107.5
Received: 107

    at Object.toBe (/home/ci/app/src/__tests__/orders.test.ts:41:23)
    at computeTotal (/home/ci/app/src/orders/total.ts:12:9)
    at Promise.then.completed (/home/ci/app/node_modules/jest-circus/build/utils.js:298:28)
";
    let s = sig(t);
    assert_eq!(one(&s, "language"), "javascript");
    assert_eq!(one(&s, "kind"), "expect.toBe");
    assert_eq!(one(&s, "message"), "Expected: <num> Received: <num>");
    assert_eq!(get(&s, "frame"), vec!["computeTotal (total.ts)"]);
}

#[test]
fn javascript_type_error_and_node_assert() {
    let t = "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (src/users.js:10:5)\n    at Context.<anonymous> (test/users.spec.js:8:12)\n    at process.processImmediate (node:internal/timers:476:21)\n";
    let s = sig(t);
    assert_eq!(one(&s, "kind"), "TypeError");
    assert_eq!(get(&s, "frame"), vec!["getUser (users.js)"]);
    let a = "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n3 !== 4\n\n    at Context.<anonymous> (test/cart.test.js:12:10)\n";
    let s = sig(a);
    assert_eq!(one(&s, "kind"), "AssertionError");
    assert_eq!(
        one(&s, "message"),
        "Expected values to be strictly equal: <num> !== <num>"
    );
}

#[test]
fn native_googletest_console_and_xml_forms() {
    let console = "/home/ci/src/geom/vec_test.cc:42: Failure\nExpected equality of these values:\n  v.norm()\n    Which is: 5.0001\n  5.0\n[  FAILED  ] VecTest.Norm (0 ms)\n";
    let xml = "geom/vec_test.cc:42\nExpected equality of these values:\n  v.norm()\n    Which is: 5.0002\n  5.0\n";
    let (a, b) = (sig(console), sig(xml));
    assert_eq!(one(&a, "language"), "c/c++");
    assert_eq!(one(&a, "kind"), "googletest failure");
    assert_eq!(
        one(&a, "message"),
        "Expected equality of these values: v.norm() Which is: <num> <num>"
    );
    assert_eq!(a.hash, b.hash);
}

#[test]
fn native_sanitizer_and_uncaught_exception() {
    let asan = "=================================================================
==12345==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55d4b2a1 bp 0x7ffd1c sp 0x7ffd10
READ of size 4 at 0x602000000010 thread T0
    #0 0x55d4b2a1 in Buffer::read(unsigned long) /home/ci/src/io/buffer.cc:88:12
    #1 0x55d4b3f2 in Parser::next() /home/ci/src/io/parser.cc:41:5
    #2 0x55d4b401 in ParserTest_Next_Test::TestBody() /home/ci/src/io/parser_test.cc:19:3
    #3 0x7f1e2c in __libc_start_main /build/glibc/csu/libc-start.c:308:16
";
    let s = sig(asan);
    assert_eq!(one(&s, "kind"), "AddressSanitizer: heap-use-after-free");
    assert_eq!(one(&s, "message"), "READ of size <num> at <hex> thread T");
    assert_eq!(
        get(&s, "frame"),
        vec!["Buffer::read (buffer.cc)", "Parser::next (parser.cc)"]
    );
    let uncaught = "terminate called after throwing an instance of 'std::out_of_range'\n  what():  vector::_M_range_check: __n (which is 5) >= this->size() (which is 3)\nAborted (core dumped)\n";
    let s = sig(uncaught);
    assert_eq!(one(&s, "kind"), "std::out_of_range");
    assert!(one(&s, "message").starts_with("vector::_M_range_check"));
    let segv = "Running main() from gtest_main.cc\n[ RUN      ] Cache.Evicts\nSegmentation fault (core dumped)\n";
    assert_eq!(one(&sig(segv), "kind"), "SIGSEGV");
}

#[test]
fn generic_fallback_uses_type_and_first_lines() {
    let s = StructuredFingerprint::default().signature_of(
        "Widget frobnication failed for id 77",
        Some("FrobError"),
        &TestRef::default(),
    );
    assert_eq!(one(&s, "language"), "generic");
    assert_eq!(one(&s, "kind"), "FrobError");
    assert_eq!(
        one(&s, "message"),
        "Widget frobnication failed for id <num>"
    );
}

#[test]
fn test_name_and_file_never_enter_the_signature() {
    let t = |name: &str, file: &str| {
        format!(
            "TypeError: x.map is not a function\n    at render (src/list.js:3:9)\n    at {name} ({file}:10:3)\n"
        )
    };
    let a = sig_for(
        &t("shows items", "src/list_view.js"),
        "shows items",
        "src/list_view.js",
    );
    let b = sig_for(
        &t("renders rows", "src/table_view.js"),
        "renders rows",
        "src/table_view.js",
    );
    assert_eq!(a.hash, b.hash, "{:#?} vs {:#?}", a.components, b.components);
}

#[test]
fn hash_covers_only_hashed_components() {
    let s = sig(RUST_ASSERT);
    let without_info =
        Signature::from_components(s.components.iter().filter(|c| c.hashed).cloned().collect());
    assert_eq!(s.hash, without_info.hash);
    // A recognised language is part of the hash (two languages are two
    // stories); an unrecognised text's is information only.
    assert!(
        s.components
            .iter()
            .any(|c| c.hashed && c.name == "language")
    );
    let g = sig("something went sideways");
    assert!(
        g.components
            .iter()
            .any(|c| !c.hashed && c.name == "language")
    );
}

#[test]
fn environment_signatures() {
    assert_eq!(
        environment("dial tcp 10.0.0.5:6379: connect: connection refused").as_deref(),
        Some("connection refused 10.0.0.5:6379")
    );
    assert_eq!(
        environment("Error: connect ECONNREFUSED 127.0.0.1:5432\n    at x (a.js:1:1)").as_deref(),
        Some("connection refused localhost:5432")
    );
    assert_eq!(
        environment("OSError: [Errno 28] No space left on device").as_deref(),
        Some("disk full")
    );
    assert_eq!(environment("assert 1 == 2"), None);
}

#[test]
fn mass_failure_absorbs_failures_with_different_frames_and_is_labelled() {
    use crate::model::{Attempt, Failure, FailureKind, TestCase, TestId};
    let case = |name: &str, text: String| {
        let mut f = Failure::new(FailureKind::Error);
        f.body = Some(text.into());
        let id = TestId {
            name: name.into(),
            ..TestId::default()
        };
        TestCase::new(id, vec![Attempt::with_failures(vec![f])])
    };
    let mut run = TestRun::default();
    for (i, func) in [
        "getUser",
        "listOrders",
        "charge",
        "refund",
        "audit",
        "search",
    ]
    .iter()
    .enumerate()
    {
        let text = format!(
            "Error: connect ECONNREFUSED 127.0.0.1:5432\n    at {func} (src/db/{func}.js:{}:3)\n",
            10 + i
        );
        run.cases.push(case(&format!("t{i}"), text));
    }
    run.cases.push(case(
        "other",
        "TypeError: x.map is not a function\n    at render (src/list.js:3:9)\n".into(),
    ));
    run.cases.push(case(
        "third",
        "AssertionError [ERR_ASSERTION]: totals differ\n    at sum (src/sum.js:3:9)\n".into(),
    ));
    let clusters = crate::Pipeline::default().cluster(&run);
    assert_eq!(clusters.len(), 3);
    let mass = &clusters[0];
    assert!(mass.mass_failure);
    assert_eq!(mass.case_indices, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(
        mass.merged_from.len(),
        6,
        "six exact fingerprints (different frames) absorbed"
    );
    assert_eq!(
        mass.label.as_deref(),
        Some("mass failure: connection refused localhost:5432 (6 of 8 failing tests)")
    );
    assert!(
        clusters[1..]
            .iter()
            .all(|c| !c.mass_failure && c.tests.len() == 1)
    );

    // Below the share, the same failures stay apart by their frames.
    let cfg = FingerprintConfig {
        cluster: ClusterConfig {
            mass_failure_share: 0.9,
            ..ClusterConfig::default()
        },
        ..FingerprintConfig::default()
    };
    let clusters = Fingerprint::cluster(
        &StructuredFingerprint::new(cfg.clone()),
        &run,
        run.cases
            .iter()
            .enumerate()
            .map(|(i, c)| (i, StructuredFingerprint::new(cfg.clone()).fingerprint(c)))
            .collect(),
    );
    assert_eq!(clusters.len(), 8);
    assert!(clusters.iter().all(|c| !c.mass_failure));
}

#[test]
fn near_duplicates_merge_only_with_the_same_shape() {
    use crate::fingerprint::similar::density_labels;
    let s = |msg: &str, frame: &str| {
        Signature::from_components(vec![
            SignatureComponent::new("kind", "ValueError"),
            SignatureComponent::new("message", msg),
            SignatureComponent::new("frame", frame),
        ])
    };
    // A long message that differs in one word: near-duplicates when the frame agrees.
    let long = "could not reconcile ledger entries for the nightly settlement batch because the upstream export was incomplete and retried";
    let a = s(long, "reconcile (ledger.py)");
    let b = s(&long.replace("nightly", "hourly"), "reconcile (ledger.py)");
    let c = s(&long.replace("nightly", "weekly"), "export (report.py)");
    let cfg = ClusterConfig {
        similarity: 0.8,
        ..ClusterConfig::default()
    };
    let labels = density_labels(&[&a, &b, &c], &[1, 1, 1], &cfg);
    assert_eq!(labels[0], labels[1]);
    assert_ne!(
        labels[0], labels[2],
        "a different top frame keeps a similar message apart"
    );
    // A quoted slot with many rarely repeated values is variable data.
    let words = ["tori", "rial", "kazufi", "mofi"];
    let sigs: Vec<Signature> = words
        .iter()
        .map(|w| {
            s(
                &format!("invalid literal for int() with base <num>: '{w}'"),
                "parse (cfg.py)",
            )
        })
        .collect();
    let refs: Vec<&Signature> = sigs.iter().collect();
    let labels = density_labels(&refs, &[1, 1, 1, 1], &ClusterConfig::default());
    assert!(labels.iter().all(|&l| l == labels[0]), "{labels:?}");
    // The same slot holding values that each repeat is several causes.
    let labels = density_labels(&refs, &[9, 7, 12, 5], &ClusterConfig::default());
    assert_eq!(
        labels
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        4
    );
}

#[test]
fn a_tap_line_naming_only_the_test_carries_nothing() {
    let fp = StructuredFingerprint::default();
    let mut f = crate::model::Failure::new(crate::model::FailureKind::Failure);
    f.body = Some("not ok 2 - ast-syntax-error.js exited with a non-zero exit code: 1".into());
    let case = crate::model::TestCase::new(
        crate::model::TestId {
            name: "ast-syntax-error.js exited with a non-zero exit code: 1".into(),
            ..crate::model::TestId::default()
        },
        vec![crate::model::Attempt {
            failures: vec![f],
            ..crate::model::Attempt::default()
        }],
    );
    let sig = crate::Fingerprint::fingerprint(&fp, &case);
    assert!(sig.components.iter().any(|c| c.name == "test"), "{sig:?}");
}

#[test]
fn a_go_package_that_could_not_be_set_up_is_told_by_why() {
    let setup = |pkg: &str, n: u32| {
        format!(
            "# example.com/shop/{pkg}\nwrite /tmp/go-build{n}/b4{n}/_testmain.go: no space left on device\nFAIL    example.com/shop/{pkg} [setup failed]"
        )
    };
    let a = sig_for(&setup("cart", 1), "example.com/shop/cart", "");
    let b = sig_for(&setup("tax", 2), "example.com/shop/tax", "");
    assert_eq!(one(&a, "kind"), "setup failed");
    assert!(one(&a, "message").contains("no space left on device"));
    assert_eq!(a.hash, b.hash);
}

#[test]
fn surefire_summary_assertions_keep_the_helper_that_checked() {
    let line =
        |test: &str| format!("  {test}:70->ReportChecks.sameTotal:88 expected:<[4]> but was:<[3]>");
    let a = sig_for(&line("OrderTest.totals"), "totals", "");
    let b = sig_for(&line("RefundTest.refunds"), "refunds", "");
    assert_eq!(one(&a, "language"), "jvm");
    assert_eq!(one(&a, "kind"), "AssertionError");
    assert_eq!(
        one(&a, "frame"),
        "ReportChecks.sameTotal (ReportChecks.java)"
    );
    assert_eq!(a.hash, b.hash);
}

#[test]
fn pytest_summaries_cut_inside_the_exception_name_agree() {
    let cut = |name: &str, keep: usize| {
        let what = "subprocess.CalledProcessError: Command returned non-zero exit status 1.";
        format!("FAILED tests/test_cli.py::{name} - {}...", &what[..keep])
    };
    let a = sig_for(&cut("test_build", 21), "test_build", "tests/test_cli.py");
    let b = sig_for(
        &cut("test_install_everything", 18),
        "test_install_everything",
        "tests/test_cli.py",
    );
    assert_eq!(one(&a, "kind"), "subprocess.Calle…");
    assert_eq!(a.hash, b.hash);
}

/// Texts made of the pieces the language markers and line checks look at,
/// cut and joined at random, so that every marker and line shape meets
/// every other (and halves of them) in one text.
fn marker_soup(seed: u64, n: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "panicked at",
        "called `Result::unwrap()`",
        "---- t stdout ----",
        " stdout ----",
        "---- ",
        "panic: ",
        "goroutine ",
        "--- FAIL: ",
        "=== RUN ",
        "Error Trace:",
        "FAIL\tgithub.com/a/b\t0.01s",
        "FAIL",
        "ok  \tpkg\t(cached)",
        "ok ",
        "# pkg",
        "    x_test.go:12: got 1",
        "x_test.go:12: ",
        ".go:",
        "Traceback (most recent call last)",
        "E   assert 1 == 2",
        "E",
        "a/test_x.py:3: AssertionError",
        "  File \"a.py\", line 3",
        "FAILED a.py::t - ValueError: x",
        "ERROR b.py::u - E",
        "not ok 1 - x",
        "not ok 2 - a - b",
        "a.cc:12: Failure",
        "unknown file: Failure",
        "x.cpp(3): error: boom",
        "a.h:7",
        "Assertion `x > 0",
        "' failed",
        "Sanitizer",
        "Check failed: a",
        "SIGSEGV",
        "signal 6",
        "\nWhich is: ",
        "  Actual: ",
        "    at com.acme.Y.m(Y.java:12)",
        "at ",
        "\nCaused by: ",
        "\tat java.base/java.lang.Thread.run(Thread.java:833)",
        "Failed tests:",
        "  OrderTest.t:70 expected:<1> but was:<2>",
        "expect(received)",
        "● a › b",
        "    at Object.<anonymous> (a.test.js:3:5)",
        "Require stack:",
        "t => ./a_test.ts:3:6",
        "FAILED:",
        "\n",
        "\r\n",
        " ",
        "word",
        "42",
    ];
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let mut t = String::new();
            for _ in 0..(next() % 12) {
                let p = PIECES[(next() % PIECES.len() as u64) as usize];
                // Sometimes only a part of a piece, so near-misses occur too.
                let cut = (next() % (p.len() as u64 + 1)) as usize;
                let p = if next() % 3 == 0 {
                    p.get(..cut).unwrap_or(p)
                } else {
                    p
                };
                t.push_str(p);
                if next() % 2 == 0 {
                    t.push('\n');
                }
            }
            t
        })
        .collect()
}

#[test]
fn detect_finds_markers_in_one_pass_with_the_same_answers_as_one_search_per_marker() {
    let mut texts = crate::analyze::own_eval_texts();
    assert!(texts.len() >= 300);
    texts.extend(marker_soup(0x9e37_79b9_7f4a_7c15, 40_000));
    let mut per_language = std::collections::BTreeMap::new();
    for t in &texts {
        for (hint, file) in [(None, None), (Some("java.lang.Foo"), Some("a_test.py"))] {
            let want = detect_reference(t, hint, file);
            assert_eq!(detect(t, hint, file), want, "{t:?}");
            *per_language.entry(format!("{want:?}")).or_insert(0) += 1;
        }
    }
    // The soup reaches every language, so each branch was compared.
    for lang in [
        "Rust",
        "Go",
        "Python",
        "Native",
        "Jvm",
        "JavaScript",
        "Generic",
    ] {
        assert!(
            per_language.get(lang).is_some_and(|&n| n >= 50),
            "{lang}: {per_language:?}"
        );
    }
}

#[test]
fn the_signal_markers_are_the_signals_spellings() {
    let spellings: Vec<&str> = native::SIGNALS.iter().map(|(m, _)| *m).collect();
    assert!(native::MARKERS.ends_with(&spellings));
}

#[test]
fn environment_words_found_in_one_pass_are_those_found_needle_by_needle() {
    let reference = |lower: &str| {
        ENVIRONMENT.iter().find_map(|(problem, needles)| {
            needles
                .iter()
                .filter_map(|n| find_word(lower, n))
                .min()
                .map(|at| (*problem, at))
        })
    };
    let mut pieces: Vec<String> = ["x", "error", "exception", " ", "\n", "7", "(", "errors"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for (_, needles) in ENVIRONMENT {
        for n in *needles {
            pieces.push((*n).to_owned());
            // Needles inside words and cut short.
            pieces.push(n[..n.len() / 2].to_owned());
        }
    }
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut texts: Vec<String> = crate::analyze::own_eval_texts()
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    for _ in 0..30_000 {
        let mut t = String::new();
        for _ in 0..(next() % 10) {
            t.push_str(&pieces[(next() % pieces.len() as u64) as usize]);
        }
        texts.push(t);
    }
    let mut found = 0;
    for t in &texts {
        let want = reference(t);
        assert_eq!(first_environment_word(t), want, "{t:?}");
        found += usize::from(want.is_some());
    }
    assert!(found > 2_000, "{found}");
}
