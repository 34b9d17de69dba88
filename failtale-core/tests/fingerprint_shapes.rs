//! One fixture per output shape the fingerprint must see through: for each,
//! two failures of one cause written the way the runner writes them for two
//! different tests (other titles, files, line numbers, values, decorations)
//! must land in one cluster, and a failure of another cause in the same
//! shape must not join them. Every text here was written for this project
//! in the runners' formats; the figures on third parties' texts come from
//! `examples/eval_real.rs`.

use failtale_core::Pipeline;
use failtale_core::fingerprint::{FingerprintConfig, StructuredFingerprint};
use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun};

/// A failing test: (name, classname, file, failure type, text).
struct Case<'a> {
    name: &'a str,
    file: Option<&'a str>,
    r#type: Option<&'a str>,
    text: &'a str,
}

fn case<'a>(name: &'a str, text: &'a str) -> Case<'a> {
    Case {
        name,
        file: None,
        r#type: None,
        text,
    }
}

fn in_file<'a>(name: &'a str, file: &'a str, text: &'a str) -> Case<'a> {
    Case {
        name,
        file: Some(file),
        r#type: None,
        text,
    }
}

fn test_case(c: &Case<'_>, classname: Option<&str>) -> TestCase {
    let mut f = Failure::new(FailureKind::Failure);
    f.r#type = c.r#type.map(str::to_owned);
    f.body = Some(c.text.into());
    let mut t = TestCase::new(
        TestId::new(
            Vec::new().into(),
            classname.map(str::to_owned),
            c.name.to_owned(),
        ),
        vec![Attempt::with_failures(vec![f])],
    );
    t.file = c.file.map(str::to_owned);
    t
}

/// The cluster of each case, in order.
fn clusters_of(pipeline: &Pipeline, cases: &[TestCase]) -> Vec<usize> {
    let run = {
        let mut test_run = TestRun::default();
        test_run.cases = cases.to_vec();
        test_run
    };
    let mut label = vec![usize::MAX; cases.len()];
    for (k, c) in pipeline.cluster(&run).iter().enumerate() {
        for &i in &c.case_indices {
            label[i] = k;
        }
    }
    label
}

/// `same` are one cause; each of `other` is a cause of its own.
#[track_caller]
fn shape(what: &str, same: &[Case<'_>], other: &[Case<'_>]) {
    shape_with(&Pipeline::default(), what, same, other);
}

#[track_caller]
fn shape_with(pipeline: &Pipeline, what: &str, same: &[Case<'_>], other: &[Case<'_>]) {
    let cases: Vec<TestCase> = same
        .iter()
        .chain(other)
        .map(|c| test_case(c, None))
        .collect();
    let label = clusters_of(pipeline, &cases);
    let fp = StructuredFingerprint::default();
    let explain = |i: usize| {
        let sig = failtale_core::Fingerprint::fingerprint(&fp, &cases[i]);
        sig.components
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for i in 1..same.len() {
        assert_eq!(
            label[i],
            label[0],
            "{what}: `{}` and `{}` are one cause\n  {}\n  {}",
            same[0].name,
            same[i].name,
            explain(0),
            explain(i)
        );
    }
    for (k, o) in other.iter().enumerate() {
        let i = same.len() + k;
        assert_ne!(
            label[i],
            label[0],
            "{what}: `{}` is another cause than `{}`\n  {}\n  {}",
            o.name,
            same[0].name,
            explain(0),
            explain(i)
        );
    }
}

// ------------------------------------------------------------ JavaScript

#[test]
fn jest_console_blocks_with_titles_code_frames_and_diffs() {
    let a = "  ● Cart › totals › sums the lines\n\n    TypeError: Cannot read properties of undefined (reading 'price')\n\n      41 |   return lines.reduce((sum, l) => {\n    > 42 |     return sum + l.item.price * l.qty;\n         |                         ^\n      43 |   }, 0);\n\n      at price (src/cart/total.js:42:25)\n          at Array.reduce (<anonymous>)\n      at total (src/cart/total.js:41:16)\n      at Object.<anonymous> (src/cart/__tests__/total.test.js:18:12)";
    let b = "  ● Checkout › shows the grand total\n\n    TypeError: Cannot read properties of undefined (reading 'price')\n\n      41 |   return lines.reduce((sum, l) => {\n    > 42 |     return sum + l.item.price * l.qty;\n         |                         ^\n      43 |   }, 0);\n\n      at price (src/cart/total.js:42:25)\n          at Array.reduce (<anonymous>)\n      at total (src/cart/total.js:41:16)\n      at render (src/checkout/summary.js:9:20)\n      at Object.<anonymous> (src/checkout/summary.test.js:30:5)";
    let c = "  ● Cart › totals › applies the coupon\n\n    TypeError: Cannot read properties of undefined (reading 'rate')\n\n    > 12 |   const off = coupon.rate * amount;\n         |                      ^\n\n      at discount (src/cart/coupon.js:12:22)\n      at Object.<anonymous> (src/cart/__tests__/coupon.test.js:7:10)";
    shape(
        "jest console",
        &[
            in_file(
                "Cart › totals › sums the lines",
                "src/cart/__tests__/total.test.js",
                a,
            ),
            in_file(
                "Checkout › shows the grand total",
                "src/checkout/summary.test.js",
                b,
            ),
        ],
        &[in_file(
            "Cart › totals › applies the coupon",
            "src/cart/__tests__/coupon.test.js",
            c,
        )],
    );
}

#[test]
fn jest_matcher_failures_in_two_tests_asserting_one_expression() {
    let t = |title: &str, want: u32, got: u32, line: u32| {
        format!(
            "  ● Invoice › {title}\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: {want}\n    Received: {got}\n\n      {p} |   const inv = build(order);\n    > {line} |   expect(inv.total).toBe({want});\n         |                     ^\n\n      at Object.<anonymous> (test/invoice.test.ts:{line}:21)",
            p = line - 1
        )
    };
    let a = t("rounds cents", 1050, 1049, 31);
    let b = t("rounds cents for EUR", 990, 989, 57);
    let other = "  ● Invoice › lists the tax lines\n\n    expect(received).toHaveLength(expected)\n\n    Expected length: 2\n    Received length: 0\n    Received array:  []\n\n    > 80 |   expect(inv.taxes).toHaveLength(2);\n         |                     ^\n\n      at Object.<anonymous> (test/invoice.test.ts:80:21)";
    shape(
        "jest matcher",
        &[
            case("Invoice › rounds cents", &a),
            case("Invoice › rounds cents for EUR", &b),
        ],
        &[case("Invoice › lists the tax lines", other)],
    );
}

#[test]
fn jest_suite_failed_to_run_and_require_stack_name_no_test() {
    let t = |file: &str| {
        format!(
            " FAIL  {file}\n  ● Test suite failed to run\n\n    Cannot find module 'pg-native' from 'src/db/pool.js'\n\n    Require stack:\n      src/db/pool.js\n      {file}\n\n      at Resolver._throwModNotFoundError (node_modules/jest-resolve/build/resolver.js:427:11)\n      at Object.<anonymous> (src/db/pool.js:3:18)"
        )
    };
    let a = t("src/users/users.test.js");
    let b = t("src/orders/orders.test.js");
    let other = " FAIL  src/mail/mail.test.js\n  ● Test suite failed to run\n\n    Cannot find module 'nodemailer' from 'src/mail/send.js'\n\n    Require stack:\n      src/mail/send.js\n      src/mail/mail.test.js\n\n      at Resolver._throwModNotFoundError (node_modules/jest-resolve/build/resolver.js:427:11)";
    shape(
        "jest suite failed to run",
        &[
            case("src/users/users.test.js", &a),
            case("src/orders/orders.test.js", &b),
        ],
        &[case("src/mail/mail.test.js", other)],
    );
}

#[test]
fn node_internal_frames_ansi_and_bundler_paths_do_not_split() {
    // Node 18 and Node 20 put the same connect error at other internal lines;
    // one run colours its output; webpack and vite write the app path differently.
    let a = "\u{1b}[31mError: connect ECONNREFUSED 127.0.0.1:6379\u{1b}[39m\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n    at RedisClient.connect (webpack:///./src/cache/redis.ts?4f2a:31:11)";
    let b = "Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1606:16)\n    at RedisClient.connect (/@fs/home/ci/app/src/cache/redis.ts?v=9a1b:31:11)";
    let other = "Error: getaddrinfo ENOTFOUND search.internal\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)\n    at SearchClient.ping (src/search/client.ts:12:9)";
    shape(
        "node internals",
        &[case("caches the profile", a), case("evicts stale keys", b)],
        &[case("indexes the profile", other)],
    );
}

#[test]
fn vitest_console_and_cause_chains() {
    let a = " FAIL  src/api/user.test.ts > user api > loads a user\nError: request failed\n ❯ fetchUser src/api/user.ts:22:11\n ❯ src/api/user.test.ts:9:5\n\nCaused by: Error: socket hang up\n ❯ Socket.onClose src/api/http.ts:40:7\n\n⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/2]⎯";
    let b = " FAIL  src/api/team.test.ts > team api > lists members\nError: request failed\n ❯ fetchUser src/api/user.ts:22:11\n ❯ listMembers src/api/team.ts:14:20\n ❯ src/api/team.test.ts:31:5\n\nCaused by: Error: socket hang up\n ❯ Socket.onClose src/api/http.ts:40:7";
    let other = " FAIL  src/api/user.test.ts > user api > saves a user\nError: request failed\n ❯ saveUser src/api/user.ts:48:11\n\nCaused by: Error: 413 Payload Too Large\n ❯ check src/api/http.ts:61:13";
    shape(
        "vitest",
        &[
            case("user api > loads a user", a),
            case("team api > lists members", b),
        ],
        &[case("user api > saves a user", other)],
    );
}

#[test]
fn mocha_numbered_titles_and_playwright_call_logs() {
    let m = |n: u32, suite: &str, title: &str| {
        format!(
            "  {n}) {suite}\n       {title}:\n\n      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n'pending' !== 'paid'\n\n      + expected - actual\n\n      -pending\n      +paid\n\n      at Context.<anonymous> (test/payment.spec.js:{l}:14)\n      at process.processImmediate (node:internal/timers:476:21)",
            l = 10 + n
        )
    };
    let a = m(1, "Payment", "marks the order paid");
    let b = m(4, "Refund", "restores the paid state");
    let pw = |n: u32, title: &str, retries: u32| {
        let mut log = String::new();
        for _ in 0..retries {
            log.push_str("      - waiting for locator('#checkout')\n");
        }
        format!(
            "  {n}) [chromium] › tests/cart.spec.ts:{l}:5 › {title} ────────────────────\n\n    Error: Timed out 5000ms waiting for expect(locator).toBeVisible()\n\n    Locator: locator('#checkout')\n    Expected: visible\n    Received: <element(s) not found>\n    Call log:\n{log}\n      {l} |   await page.goto('/cart');\n    > {m} |   await expect(page.locator('#checkout')).toBeVisible();\n        |                                             ^\n\n        at tests/cart.spec.ts:{m}:45",
            l = 10 * n,
            m = 10 * n + 1
        )
    };
    let c = pw(1, "shows checkout", 3);
    let d = pw(2, "shows checkout after login", 7);
    shape(
        "mocha",
        &[
            case("marks the order paid", &a),
            case("restores the paid state", &b),
        ],
        &[case("shows checkout", &c)],
    );
    shape(
        "playwright",
        &[
            case("shows checkout", &c),
            case("shows checkout after login", &d),
        ],
        &[
            case("marks the order paid", &a),
            // The same timeout on another element is another story.
            case(
                "shows the basket",
                &c.replace("#checkout", "#basket")
                    .replace("shows checkout", "shows the basket"),
            ),
        ],
    );
}

#[test]
fn jasmine_and_karma_titles_and_repeated_messages() {
    let jasmine = |n: u32, title: &str| {
        format!(
            "Failures:\n{n}) {title}\n  Message:\n    Expected 3 to be 4.\n  Stack:\n    Error: Expected 3 to be 4.\n        at <Jasmine>\n        at UserContext.<anonymous> (spec/cart.spec.js:{l}:20)\n        at <Jasmine>",
            l = 10 + n
        )
    };
    let karma = "Chrome Headless 120.0.6099.109 (Linux x86_64) Cart adds an item twice FAILED\n\tError: Expected 3 to be 4.\n\t    at <Jasmine>\n\t    at UserContext.apply (src/app/cart.spec.ts:40:31)";
    let other = "Failures:\n3) Cart empties\n  Message:\n    TypeError: Cannot read properties of null (reading 'clear')\n  Stack:\n    TypeError: Cannot read properties of null (reading 'clear')\n        at Cart.empty (src/cart.js:30:11)";
    shape(
        "jasmine and karma",
        &[
            case("Cart adds an item", &jasmine(1, "Cart adds an item")),
            case("Cart adds two items", &jasmine(2, "Cart adds two items")),
            case("Cart adds an item twice", karma),
        ],
        &[case("Cart empties", other)],
    );
}

#[test]
fn node_test_tap_yaml_and_ava() {
    let tap = |n: u32, title: &str| {
        format!(
            "not ok {n} - {title}\n  ---\n  duration_ms: 1.{n}\n  failureType: 'testCodeFailure'\n  error: 'Expected values to be strictly equal:\\n\\n3 !== 4\\n'\n  code: 'ERR_ASSERTION'\n  stack: |-\n    TestContext.<anonymous> (file:///home/ci/app/test/math.test.mjs:{l}:10)\n    Test.runInAsyncScope (node:async_hooks:206:9)\n  ...",
            l = 5 * n
        )
    };
    let a = tap(1, "adds");
    let b = tap(3, "adds negatives");
    let other = "not ok 2 - divides\n  ---\n  duration_ms: 0.4\n  failureType: 'testCodeFailure'\n  error: 'Division by zero'\n  code: 'ERR_TEST_FAILURE'\n  stack: |-\n    divide (file:///home/ci/app/src/math.mjs:9:11)\n  ...";
    shape(
        "node:test TAP",
        &[case("adds", &a), case("adds negatives", &b)],
        &[case("divides", other)],
    );
    let ava_console = "  math › adds\n\n  test/math.js:5\n\n   4: test('adds', t => {\n   5:   t.is(add(1, 2), 4);\n   6: });\n\n  Difference (- actual, + expected):\n\n  - 3\n  + 4\n\n  › file://test/math.js:5:5";
    let ava_console2 = "  math › adds many\n\n  test/math.js:9\n\n   8: test('adds many', t => {\n   9:   t.is(add(1, 2), 4);\n   10: });\n\n  Difference (- actual, + expected):\n\n  - 3\n  + 4\n\n  › file://test/math.js:9:5";
    let ava_other = "  Uncaught exception in test/db.js\n\n  Error: connect ECONNREFUSED 127.0.0.1:5432\n\n  › TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)";
    shape(
        "ava",
        &[
            case("math › adds", ava_console),
            case("math › adds many", ava_console2),
        ],
        &[case("test/db.js", ava_other)],
    );
}

// ------------------------------------------------------------------- C++

#[test]
fn googletest_blocks_console_and_xml() {
    let console = "[ RUN      ] Parser.ReadsHeader\nsrc/parser_test.cc:48: Failure\nExpected equality of these values:\n  header.version\n    Which is: 3\n  2\n[  FAILED  ] Parser.ReadsHeader (0 ms)";
    let xml = "src/parser_test.cc:112\nExpected equality of these values:\n  header.version\n    Which is: 4\n  2";
    let other = "src/parser_test.cc:60: Failure\nValue of: header.flags.empty()\n  Actual: false\nExpected: true";
    shape(
        "googletest",
        &[
            case("Parser.ReadsHeader", console),
            case("Parser.ReadsLegacyHeader", xml),
        ],
        &[case("Parser.ReadsFlags", other)],
    );
    let death = |name: &str, line: u32| {
        format!(
            "[ RUN      ] {name}\nsrc/buffer_test.cc:{line}: Death test: buf.Read(-1)\n    Result: failed to die.\n Error msg:\n[  DEATH   ] \n[  FAILED  ] {name} (3 ms)"
        )
    };
    let d1 = death("BufferDeathTest.NegativeRead", 20);
    let d2 = death("BufferDeathTest.NegativeReadTwice", 31);
    let d3 = "[ RUN      ] BufferDeathTest.Overflow\nsrc/buffer_test.cc:40: Death test: buf.Write(huge)\n    Result: died but not with expected error.\n  Expected: contains regular expression \"overflow\"\nActual msg:\n[  DEATH   ] out of range\n";
    shape(
        "googletest death tests",
        &[
            case("BufferDeathTest.NegativeRead", &d1),
            case("BufferDeathTest.NegativeReadTwice", &d2),
        ],
        &[case("BufferDeathTest.Overflow", d3)],
    );
    // gmock failures have no source position: the message follows a blank line.
    let mock = |name: &str, call: &str| {
        format!(
            "[ RUN      ] {name}\nunknown file: Failure\n\nUnexpected mock function call - returning default value.\n    Function call: {call}\n          Returns: false\n[  FAILED  ] {name}"
        )
    };
    let excessive = "[ RUN      ] Cart.Twice\nunknown file: Failure\n\nMock function called more times than expected - returning default value.\n    Function call: Store(0, 1)\n[  FAILED  ] Cart.Twice";
    shape(
        "gmock without a position",
        &[
            case("Cart.Adds", &mock("Cart.Adds", "Store(1, 0)")),
            case("Cart.Removes", &mock("Cart.Removes", "Store(2, 0)")),
        ],
        &[case("Cart.Twice", excessive)],
    );
}

#[test]
fn sanitizer_reports_with_frames_shadow_bytes_and_thread_ids() {
    let asan = |pc: &str, test: &str| {
        format!(
            "=================================================================\n==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000{pc} at pc 0x55d4b2a1{pc} bp 0x7ffd5a1c sp 0x7ffd5a10\nREAD of size 4 at 0x602000000{pc} thread T0\n    #0 0x55d4b2a1 in Cache::Get(std::string const&) /src/cache/cache.cc:88:12\n    #1 0x55d4b2b2 in {test}_Test::TestBody() /src/cache/cache_test.cc:31:3\n    #2 0x55d4b2c3 in testing::Test::Run() /googletest/src/gtest.cc:2682:5\n\n0x602000000{pc} is located 0 bytes inside of 4-byte region\nfreed by thread T0 here:\n    #0 0x7f12 in operator delete(void*) (/lib/x86_64-linux-gnu/libasan.so.6+0xb0e57)\n    #1 0x55d4 in Cache::Evict() /src/cache/cache.cc:120:5\n\nSUMMARY: AddressSanitizer: heap-use-after-free /src/cache/cache.cc:88:12 in Cache::Get(std::string const&)\nShadow bytes around the buggy address:\n  0x0c047fff7fb0: fa fa 00 00 fa fa fd fa fa fa fd fa\n=>0x0c047fff8000: fa fa[fd]fa fa fa 00 00 fa fa 00 fa\n==4242==ABORTING"
        )
    };
    let a = asan("0010", "CacheTest_Get");
    let b = asan("0af0", "CacheTest_GetAfterEvict");
    // The same use-after-free reached through another caller, freed elsewhere.
    let c = a
        .replace("CacheTest_Get_Test::TestBody() /src/cache/cache_test.cc:31:3", "Session::Load() /src/net/session.cc:70:9\n    #2 0x55d4b2b3 in SessionTest_Loads_Test::TestBody() /src/net/session_test.cc:12:3")
        .replace("Cache::Evict() /src/cache/cache.cc:120:5", "Cache::Clear() /src/cache/cache.cc:140:7");
    let overflow = "==77==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc 0x55 bp 0x7f sp 0x7f\nWRITE of size 1 at 0x6020 thread T0\n    #0 0x55 in Buffer::Put(char) /src/buffer.cc:40:9\nSUMMARY: AddressSanitizer: heap-buffer-overflow /src/buffer.cc:40:9 in Buffer::Put(char)";
    shape(
        "asan",
        &[
            case("CacheTest.Get", &a),
            case("CacheTest.GetAfterEvict", &b),
            case("SessionTest.Loads", &c),
        ],
        &[case("BufferTest.Put", overflow)],
    );
    let tsan = |t1: u32, t2: u32, pid: u32| {
        format!(
            "==================\nWARNING: ThreadSanitizer: data race (pid={pid})\n  Write of size 8 at 0x7b0400000010 by thread T{t1}:\n    #0 Counter::Add(int) /src/stats/counter.cc:17:11 (stats_test+0x4b2a10)\n    #1 Worker::Run() /src/stats/worker.cc:30:5 (stats_test+0x4b2b20)\n\n  Previous read of size 8 at 0x7b0400000010 by thread T{t2}:\n    #0 Counter::Get() const /src/stats/counter.cc:22:12 (stats_test+0x4b2c30)\n\nSUMMARY: ThreadSanitizer: data race /src/stats/counter.cc:17:11 in Counter::Add(int)\n=================="
        )
    };
    let ubsan = "src/stats/histogram.cc:51:19: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'";
    let ubsan2 = "src/stats/histogram.cc:51:19: runtime error: signed integer overflow: 2147483600 + 100 cannot be represented in type 'int'";
    shape(
        "tsan",
        &[
            case("Stats.Concurrent", &tsan(3, 1, 900)),
            case("Stats.ManyWorkers", &tsan(7, 2, 1201)),
        ],
        &[case("Stats.Histogram", ubsan)],
    );
    shape(
        "ubsan",
        &[
            case("Stats.Histogram", ubsan),
            case("Stats.HistogramMax", ubsan2),
        ],
        &[case("Stats.Concurrent", &tsan(3, 1, 900))],
    );
    let lsan = |bytes: u32| {
        format!(
            "=================================================================\n==31==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of {bytes} byte(s) in 1 object(s) allocated from:\n    #0 0x7f in operator new(unsigned long) (/lib/x86_64-linux-gnu/liblsan.so.0+0x10)\n    #1 0x55 in Session::Open() /src/net/session.cc:14:20\n    #2 0x55 in SessionTest_Opens_Test::TestBody() /src/net/session_test.cc:9:3\n\nSUMMARY: LeakSanitizer: {bytes} byte(s) leaked in 1 allocation(s)."
        )
    };
    shape(
        "lsan",
        &[
            case("SessionTest.Opens", &lsan(64)),
            case("SessionTest.Reopens", &lsan(128)),
        ],
        &[case("CacheTest.Get", &a)],
    );
}

#[test]
fn glog_catch2_doctest_and_ctest() {
    let glog = |ts: &str, tid: u32, line: u32| {
        format!(
            "F1204 {ts} {tid} index.cc:{line}] Check failed: shard < num_shards_ ({tid} vs. 8) \n*** Check failure stack trace: ***\n    @     0x7f2b1c  google::LogMessage::Fail()\n    @     0x55a1b2  Index::Lookup()\n"
        )
    };
    let other = "F1204 10:00:00.100000  4242 index.cc:30] Check failed: !path.empty() \n";
    shape(
        "glog",
        &[
            case("IndexTest.Lookup", &glog("09:12:01.123456", 31337, 88)),
            case(
                "IndexTest.LookupRemote",
                &glog("09:12:05.000001", 31338, 88),
            ),
        ],
        &[case("IndexTest.Open", other)],
    );
    // One failed check, as the console, JUnit, TAP and TeamCity reporters print it.
    let console = "-------------------------------------------------------------------------------\nVector grows\n-------------------------------------------------------------------------------\ntests/vector.tests.cpp:20\n...............................................................................\n\ntests/vector.tests.cpp:24: FAILED:\n  REQUIRE( v.capacity() >= 10 )\nwith expansion:\n  8 >= 10\n";
    let junit = "FAILED:\n  REQUIRE( v.capacity() >= 10 )\nwith expansion:\n  8 >= 10\nat tests/vector.tests.cpp:24\n";
    let tap = "# Vector grows after reserve\nnot ok 12 - v.capacity() >= 10 for: 8 >= 10\n";
    let teamcity = "##teamcity[testFailed name='Vector grows twice' message='tests/vector.tests.cpp:24|n...............................................................................|n|ntests/vector.tests.cpp:24|nexpression failed|n  REQUIRE( v.capacity() >= 10 )|nwith expansion:|n  8 >= 10|n']";
    let xml = "<Expression success=\"false\" type=\"REQUIRE\" filename=\"tests/vector.tests.cpp\" >\n  <Original>\n    v.capacity() &gt;= 10\n  </Original>\n  <Expanded>\n    8 &gt;= 10\n  </Expanded>\n</Expression>";
    let other =
        "tests/vector.tests.cpp:40: FAILED:\n  REQUIRE( v.empty() )\nwith expansion:\n  false\n";
    shape(
        "catch2 reporters",
        &[
            case("Vector grows", console),
            case("Vector grows (junit)", junit),
            case("Vector grows after reserve", tap),
            case("Vector grows twice", teamcity),
            case("Vector grows (xml)", xml),
        ],
        &[case("Vector clears", other)],
    );
    let doctest_console = "===============================================================================\ntests/parse.cpp:10:\nTEST CASE:  parses numbers\n\ntests/parse.cpp:14: ERROR: CHECK( parse(\"12\") == 12 ) is NOT correct!\n  values: CHECK( 0 == 12 )\n\n===============================================================================";
    let doctest_junit = "tests/parse.cpp:14:\nCHECK( parse(\"12\") == 12 ) is NOT correct!\n  values: CHECK( 0 == 12 )\n";
    let doctest_other =
        "tests/parse.cpp:30: ERROR: CHECK_THROWS( parse(\"x\") ) did NOT throw at all!\n";
    shape(
        "doctest",
        &[
            case("parses numbers", doctest_console),
            case("parses numbers again", doctest_junit),
        ],
        &[case("rejects letters", doctest_other)],
    );
    let ctest = |n: u32, name: &str| {
        format!("{n}/9 Test #{n}: {name} ..............***Failed    0.0{n} sec")
    };
    let ct_other = "5/9 Test #5: net_test ..................***Timeout  30.01 sec";
    shape(
        "ctest",
        &[
            case("cache_test", &ctest(3, "cache_test")),
            case("index_test", &ctest(4, "index_test")),
        ],
        &[case("net_test", ct_other)],
    );
}

#[test]
fn boost_test_and_criterion_logs() {
    let boost = |test: &str, line: u32, vals: &str| {
        format!(
            "Running 4 test cases...\nsrc/cache_test.cpp({line}): error: in \"cache/{test}\": check cache.size() == 3 has failed [{vals}]\n\n*** 1 failure is detected in the test module \"Master Test Suite\""
        )
    };
    let boost_other = "src/cache_test.cpp(40): fatal error: in \"cache/evicts\": memory access violation at address: 0x00000010: no mapping at fault address\nsrc/cache_test.cpp(38): last checkpoint";
    shape(
        "boost.test",
        &[
            case("cache/inserts", &boost("inserts", 12, "2 != 3")),
            case("cache/inserts_twice", &boost("inserts_twice", 30, "4 != 3")),
        ],
        &[case("cache/evicts", boost_other)],
    );
    let crit = |test: &str, line: u32| {
        format!(
            "[----] test/cache.c:{line}: Assertion Failed\n[----]   \n[----]   The expression (cache_size(c) == 3) is false.\n[----]   \n[FAIL] cache::{test}: (0.00s)"
        )
    };
    let crit_other = "[----] test/cache.c: Unexpected signal caught below this line!\n[FAIL] cache::evicts: CRASH!";
    shape(
        "criterion",
        &[
            case("cache::inserts", &crit("inserts", 12)),
            case("cache::inserts_twice", &crit("inserts_twice", 30)),
        ],
        &[case("cache::evicts", crit_other)],
    );
}

// ------------------------------------------------------------------- Rust

#[test]
fn rust_panic_formats_assertions_and_nested_debug_values() {
    let new = "thread 'store::tests::saves' panicked at src/store.rs:88:14:\ncalled `Result::unwrap()` on an `Err` value: Io(Os { code: 13, kind: PermissionDenied, message: \"Permission denied\" })\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
    let old = "thread 'store::tests::saves_twice' panicked at 'called `Result::unwrap()` on an `Err` value: Io(Os { code: 13, kind: PermissionDenied, message: \"Permission denied\" })', src/store.rs:88:14\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
    let other = "thread 'store::tests::loads' panicked at src/store.rs:40:9:\ncalled `Result::unwrap()` on an `Err` value: Parse(Error(\"expected value\", line: 1, column: 1))";
    shape(
        "rust panic formats",
        &[
            case("store::tests::saves", new),
            case("store::tests::saves_twice", old),
        ],
        &[case("store::tests::loads", other)],
    );
    let eq = |test: &str, id: u32| {
        format!(
            "thread '{test}' panicked at src/order.rs:120:5:\nassertion `left == right` failed: totals differ\n  left: Order {{\n    id: {id},\n    total: Money {{ cents: 1049 }},\n}}\n right: Order {{\n    id: {id},\n    total: Money {{ cents: 1050 }},\n}}"
        )
    };
    let ne = "thread 'order::tests::ids' panicked at src/order.rs:200:5:\nassertion `left != right` failed\n  left: 7\n right: 7";
    shape(
        "rust assert_eq with Debug values",
        &[
            case("order::tests::total", &eq("order::tests::total", 1)),
            case("order::tests::total_eur", &eq("order::tests::total_eur", 2)),
        ],
        &[case("order::tests::ids", ne)],
    );
}

#[test]
fn rust_unit_tests_in_different_modules_share_an_environment_cause() {
    // Unit tests live in their module's file: the panic location is the
    // test's own code, not where the application failed.
    let t = |test: &str, file: &str, line: u32| {
        format!(
            "thread '{test}' panicked at {file}:{line}:42:\ncalled `Result::unwrap()` on an `Err` value: Io(Custom {{ kind: ConnectionRefused, error: \"tcp connect to 127.0.0.1:5432 failed\" }})"
        )
    };
    let a = t("orders::tests::lists_orders", "src/orders.rs", 310);
    let b = t("billing::tests::charges", "src/billing/mod.rs", 88);
    let c = t("tests::smoke", "src/lib.rs", 20);
    let other = "thread 'orders::tests::totals' panicked at src/orders.rs:120:9:\nattempt to subtract with overflow";
    shape(
        "rust unit tests",
        &[
            case("orders::tests::lists_orders", &a),
            case("billing::tests::charges", &b),
            case("tests::smoke", &c),
        ],
        &[case("orders::tests::totals", other)],
    );
}

#[test]
fn rust_backtraces_tokio_workers_and_missing_crate_list() {
    let bt = |test: &str, hash: &str, n: u32| {
        format!(
            "thread 'tokio-runtime-worker' panicked at src/pool.rs:57:30:\ncalled `Option::unwrap()` on a `None` value\nstack backtrace:\n   0: rust_begin_unwind\n             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:645:5\n   1: core::panicking::panic\n             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:144:5\n   2: shop::pool::Pool::checkout::h{hash}\n             at ./src/pool.rs:57:30\n   3: shop::orders::place::{{{{closure}}}}::h0f1e2d3c4b5a6978\n             at ./src/orders.rs:{n}:9\n   4: tokio::runtime::task::core::Core<T,S>::poll::h1111222233334444\n             at /home/ci/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.37.0/src/runtime/task/core.rs:328:17\n   5: {test}\n             at ./tests/orders.rs:12:5"
        )
    };
    let a = bt("orders::places_one", "a1b2c3d4e5f60718", 40);
    let b = bt("orders::places_many", "99aa88bb77cc66dd", 40);
    let other = "thread 'tokio-runtime-worker' panicked at src/pool.rs:90:13:\ncalled `Option::unwrap()` on a `None` value\nstack backtrace:\n   2: shop::pool::Pool::release::h0101010101010101\n             at ./src/pool.rs:90:13";
    // Analysed away from the workspace: no crate list.
    let outside = Pipeline::default().with_fingerprint(Box::new(StructuredFingerprint::new(
        FingerprintConfig::default(),
    )));
    shape_with(
        &outside,
        "rust backtraces without crate list",
        &[
            case("orders::places_one", &a),
            case("orders::places_many", &b),
        ],
        &[case("pool::releases", other)],
    );
    // Inside it, with the crate list, the same holds.
    let inside = Pipeline::default().with_fingerprint(Box::new(StructuredFingerprint::new(
        FingerprintConfig {
            in_app_crates: ["shop".to_owned()].into(),
            ..FingerprintConfig::default()
        },
    )));
    shape_with(
        &inside,
        "rust backtraces with crate list",
        &[
            case("orders::places_one", &a),
            case("orders::places_many", &b),
        ],
        &[case("pool::releases", other)],
    );
}

#[test]
fn insta_proptest_should_panic_and_nextest_wrappers() {
    let insta = |test: &str, line: u32| {
        format!(
            "---- {test} stdout ----\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\nSnapshot: render_invoice\nSource: tests/render.rs:{line}\n────────────────────────────────────────────────────────────────────────────────\n-old snapshot\n+new results\n────────────┬───────────────────────────────────────────────────────────────────\n    3     3 │ Total: 10.50\n    4       │-VAT: 2.00\n          4 │+VAT: 2.10\n────────────┴───────────────────────────────────────────────────────────────────\nthread '{test}' panicked at /home/ci/.cargo/registry/src/index.crates.io-6f17d22bba15001f/insta-1.39.0/src/runtime.rs:563:9:\nsnapshot assertion for 'render_invoice' failed in line {line}"
        )
    };
    let insta_other = "thread 'render_receipt' panicked at /home/ci/.cargo/registry/src/index.crates.io-6f17d22bba15001f/insta-1.39.0/src/runtime.rs:563:9:\nsnapshot assertion for 'render_receipt' failed in line 40";
    shape(
        "insta",
        &[
            case("render_invoice", &insta("render_invoice", 12)),
            case("render_invoice_eu", &insta("render_invoice_eu", 12)),
        ],
        &[case("render_receipt", insta_other)],
    );
    let prop = |test: &str, x: i64| {
        format!(
            "thread '{test}' panicked at src/codec.rs:31:5:\nTest failed: assertion `left == right` failed\n  left: {x}\n right: {y}; minimal failing input: x = {x}\n\tsuccesses: 12\n\tlocal rejects: 0\n\tglobal rejects: 0\n",
            y = x + 1
        )
    };
    let prop_other = "thread 'codec::decode_roundtrip' panicked at src/codec.rs:60:5:\nTest failed: index out of bounds: the len is 3 but the index is 3; minimal failing input: bytes = [0, 0, 0]\n\tsuccesses: 40\n";
    shape(
        "proptest",
        &[
            case(
                "codec::encode_roundtrip",
                &prop("codec::encode_roundtrip", -129),
            ),
            case(
                "codec::encode_roundtrip_big",
                &prop("codec::encode_roundtrip_big", 4096),
            ),
        ],
        &[case("codec::decode_roundtrip", prop_other)],
    );
    let nextest = |bin: &str, test: &str| {
        format!(
            "--- STDOUT:              {bin} {test} ---\n\nrunning 1 test\ntest {test} ... FAILED\n\n--- STDERR:              {bin} {test} ---\nthread '{test}' panicked at src/fs.rs:19:30:\ncalled `Result::unwrap()` on an `Err` value: Os {{ code: 28, kind: StorageFull, message: \"No space left on device\" }}\n"
        )
    };
    let should = "---- parse::rejects_empty stdout ----\nnote: test did not panic as expected";
    shape(
        "nextest wrappers",
        &[
            case("fs::writes", &nextest("shop::lib", "fs::writes")),
            case("fs::writes_big", &nextest("shop::it", "fs::writes_big")),
        ],
        &[case("parse::rejects_empty", should)],
    );
}

// ------------------------------------------------------- Go, JVM, Python

#[test]
fn go_parents_subtests_old_parallel_lines_and_build_errors() {
    let cases = [
        case("TestCart", "=== RUN   TestCart\n--- FAIL: TestCart (0.00s)"),
        case(
            "TestCart/empty",
            "=== RUN   TestCart/empty\n    cart_test.go:18: total = 3, want 0\n--- FAIL: TestCart/empty (0.00s)",
        ),
        case(
            "TestCartLegacy",
            "=== RUN   TestCartLegacy\n    TestCartLegacy: cart_test.go:40: total = 3, want 0\n--- FAIL: TestCartLegacy (0.00s)",
        ),
        case(
            "TestCartTotal",
            "=== RUN   TestCartTotal\n    cart_test.go:40: total = 3, want 0\n--- FAIL: TestCartTotal (0.00s)",
        ),
        case(
            "TestCart/full",
            "=== RUN   TestCart/full\n    cart_test.go:18: total = 12, want 9\n--- FAIL: TestCart/full (0.00s)",
        ),
        case(
            "TestCart/other",
            "=== RUN   TestCart/other\n    cart_test.go:25: items = 1, want 2\n--- FAIL: TestCart/other (0.00s)",
        ),
        case(
            "TestTax",
            "=== RUN   TestTax\n    tax_test.go:9: rate = 0.2, want 0.19\n--- FAIL: TestTax (0.00s)",
        ),
    ];
    let tcs: Vec<TestCase> = cases
        .iter()
        .map(|c| test_case(c, Some("shop/cart")))
        .collect();
    let label = clusters_of(&Pipeline::default(), &tcs);
    assert_eq!(
        label[0], label[1],
        "a parent with no message of its own joins its failing subtest"
    );
    assert_eq!(
        label[2], label[3],
        "the pre-1.14 `TestName: file:line:` form is the same check"
    );
    assert_ne!(label[1], label[6]);
    assert_eq!(
        label[1], label[4],
        "one table-driven check failing in two rows, whatever their values"
    );
    assert_ne!(label[1], label[5], "another check of the same table");
    let build = |pkg: &str| {
        format!(
            "# example.com/shop/{pkg} [example.com/shop/{pkg}.test]\n./store_test.go:12:2: undefined: newStore\nFAIL\texample.com/shop/{pkg} [build failed]"
        )
    };
    shape(
        "go build errors",
        &[
            case("example.com/shop/store", &build("store")),
            case("example.com/shop/store/v2", &build("store/v2")),
        ],
        &[case("TestTax", "    tax_test.go:9: rate = 0.2, want 0.19")],
    );
}

#[test]
fn go_test_binaries_that_cannot_start() {
    let t = |pkg: &str, n: u32| {
        format!(
            "fork/exec /tmp/go-build{n}/{pkg}/_test/{pkg}.test: permission denied\nFAIL\t{pkg}\t0.00{n}s"
        )
    };
    shape(
        "go exec failures",
        &[
            case("sort", &t("sort", 1)),
            case("strconv", &t("strconv", 2)),
            case("net/http", &t("net/http", 3)),
        ],
        &[case("TestTax", "    tax_test.go:9: rate = 0.2, want 0.19")],
    );
}

#[test]
fn surefire_console_lines_and_pytest_summaries() {
    let sf = |test: &str, secs: &str| {
        format!(
            "[ERROR] {test}(com.acme.shop.OrderServiceTest)  Time elapsed: {secs} s  <<< ERROR!\njava.lang.IllegalStateException: pool closed\n\tat com.acme.shop.db.Pool.take(Pool.java:77)\n\tat com.acme.shop.OrderService.place(OrderService.java:30)\n\tat com.acme.shop.OrderServiceTest.{test}(OrderServiceTest.java:21)"
        )
    };
    let other = "java.lang.IllegalStateException: pool closed\n\tat com.acme.shop.db.Pool.release(Pool.java:102)";
    shape(
        "surefire",
        &[
            case("placesOrder", &sf("placesOrder", "0.012")),
            case("placesTwoOrders", &sf("placesTwoOrders", "1.5")),
        ],
        &[case("releases", other)],
    );
    // Surefire's results summary: the exception's short name, the test's own location.
    shape(
        "surefire summary lines",
        &[
            case(
                "placesOrder",
                "[ERROR]   OrderServiceTest.placesOrder:21 \u{bb} IllegalState pool closed",
            ),
            case(
                "encoding lost",
                "[ERROR]   OrderServiceTest.placesTwice:30 ? IllegalState pool closed",
            ),
            case(
                "cancels",
                "[ERROR]   CancelTest.cancels:40->Helper.cancel:12 \u{bb} IllegalState pool closed",
            ),
        ],
        &[case(
            "refunds",
            "[ERROR]   RefundTest.refunds:33 \u{bb} NullPointer",
        )],
    );
    // Gradle's short form and Surefire 2's summary.
    shape(
        "gradle short exceptions",
        &[
            case(
                "testTargets",
                "aura.llvm.TargetTest > testTargets FAILED\n    java.lang.UnsatisfiedLinkError at TargetTest.java:23",
            ),
            case(
                "testSections",
                "aura.llvm.ObjectFileTest > testSections FAILED\n    java.lang.UnsatisfiedLinkError at ObjectFileTest.java:41",
            ),
        ],
        &[case(
            "testParse",
            "aura.llvm.ParserTest > testParse FAILED\n    java.lang.IllegalStateException at ParserTest.java:12",
        )],
    );
    shape(
        "surefire 2 summary",
        &[
            case(
                "testNextPass",
                "Failed tests:   testNextPass(uk.sat.PassTest): expected:<06:26> but was:<17:26>",
            ),
            case(
                "testPassWindBack",
                "  testPassWindBack(uk.sat.PassTest): expected:<06:26> but was:<17:26>",
            ),
        ],
        &[case(
            "testPole",
            "  testPole(uk.sat.PassTest): expected:<south> but was:<north>",
        )],
    );
    let py = |file: &str, test: &str| {
        format!(
            "FAILED tests/{file}::{test} - ConnectionRefusedError: [Errno 111] Connection refused"
        )
    };
    shape(
        "pytest short summary",
        &[
            case("test_login", &py("test_auth.py", "test_login")),
            case("test_logout", &py("test_session.py", "test_logout")),
        ],
        &[case(
            "test_parse",
            "FAILED tests/test_parse.py::test_parse - ValueError: bad header",
        )],
    );
    // The summary line is cut to the terminal's width, at a different place per test name.
    shape(
        "pytest short summary cut with ...",
        &[
            case(
                "test_bump",
                "FAILED tests/test_bump.py::test_bump - requests.exceptions.ConnectionError: HTTPSConnectionPool(host='nf-co.re', port=443): Max retries exceeded with url...",
            ),
            case(
                "test_pipeline_creation_initiation",
                "FAILED tests/test_create.py::CreateTest::test_pipeline_creation_initiation - requests.exceptions.ConnectionError: HTTPSConnectionPool(host='nf-co.re', port=443): Max retrie...",
            ),
        ],
        &[case(
            "test_lint",
            "FAILED tests/test_lint.py::test_lint - requests.exceptions.ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))...",
        )],
    );
}

#[test]
fn a_bare_exception_type_is_kept_to_the_test_class_it_was_seen_in() {
    let npe =
        "java.lang.NullPointerException\n\tat com.acme.ui.ListViewTest.setUp(ListViewTest.java:31)";
    let cases: Vec<TestCase> = [
        ("com.acme.ui.ListViewTest", "shows"),
        ("com.acme.ui.ListViewTest", "scrolls"),
        ("com.acme.sim.LocationTest", "bounds"),
    ]
    .iter()
    .map(|(class, name)| test_case(&case(name, npe), Some(class)))
    .collect();
    let label = clusters_of(&Pipeline::default(), &cases);
    assert_eq!(
        label[0], label[1],
        "one class, one bare NullPointerException"
    );
    assert_ne!(
        label[0], label[2],
        "another class's bare NullPointerException is no evidence of the same cause"
    );
    // `: null` says no more than no message at all.
    let null = "java.lang.NullPointerException: null\n\tat com.acme.ui.ListViewTest.setUp(ListViewTest.java:31)";
    let cases: Vec<TestCase> = ["shows", "scrolls"]
        .iter()
        .map(|name| test_case(&case(name, null), Some("com.acme.ui.ListViewTest")))
        .collect();
    let label = clusters_of(&Pipeline::default(), &cases);
    assert_eq!(
        label[0], label[1],
        "one class, one NullPointerException: null"
    );
}

#[test]
fn never_merged_across_languages() {
    // The same words raised in two languages are two stories.
    let py = "Traceback (most recent call last):\n  File \"app/db.py\", line 10, in connect\n    raise ConnectionError(\"database unavailable\")\nConnectionError: database unavailable";
    let js = "Error: database unavailable\n    at connect (src/db.js:10:11)";
    let rs = "thread 'db::connects' panicked at src/db.rs:10:5:\ndatabase unavailable";
    let cases: Vec<TestCase> = [
        case("test_connect", py),
        case("connects", js),
        case("db::connects", rs),
    ]
    .iter()
    .map(|c| test_case(c, None))
    .collect();
    let label = clusters_of(&Pipeline::default(), &cases);
    assert_ne!(label[0], label[1]);
    assert_ne!(label[1], label[2]);
    assert_ne!(label[0], label[2]);
}

#[test]
fn a_check_that_names_nothing_stays_with_its_test() {
    // `REQUIRE( false )`, `assert 0`, `expect(true).toBe(false)`: the text
    // says which check failed, not why; two tests failing such checks share
    // nothing else. The same check reported twice for one test (two
    // reporters) is still one cause, and the same pair of compared values
    // in two tests is evidence of one.
    let catch2 = |file: &str| {
        format!(
            "-------------------------------------------------------------------------------\ntests/{file}:12\n...............................................................................\n\ntests/{file}:14: FAILED:\n  REQUIRE( false )\n"
        )
    };
    let pytest = "    def test_x():\n>       assert 0\nE       assert 0\n\ntests/test_a.py:3: AssertionError";
    let jest = "  ● t\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: false\n    Received: true\n";
    let cases: Vec<TestCase> = [
        case("parses", &catch2("parse.cpp")),
        case("parses", &catch2("parse.cpp")),
        case("evicts", &catch2("cache.cpp")),
        case("test_a", pytest),
        case("test_b", pytest),
        case("shows menu", jest),
        case("hides menu", jest),
        case(
            "testNextPass",
            "  testNextPass(uk.sat.PassTest): expected:<06:26> but was:<17:26>",
        ),
        case(
            "testWindBack",
            "  testWindBack(uk.sat.PassTest): expected:<06:26> but was:<17:26>",
        ),
    ]
    .iter()
    .map(|c| test_case(c, None))
    .collect();
    let label = clusters_of(&Pipeline::default(), &cases);
    assert_eq!(label[0], label[1], "one test's check in two reports");
    assert_ne!(label[0], label[2], "REQUIRE( false ) in two tests");
    assert_ne!(label[3], label[4], "assert 0 in two tests");
    assert_ne!(label[5], label[6], "true is not false, in two tests");
    assert_eq!(label[7], label[8], "the same compared times in two tests");
}

#[test]
fn an_error_thrown_bare_by_the_test_itself_stays_with_its_test() {
    // `throw new Error()` / `raise ValueError` in a test's own body says
    // that the test gave up, not why: two tests doing it share nothing. The
    // same throw with a message, or from a function of the application,
    // is evidence of one cause.
    let deno = |test: &str, line: u32| {
        format!(
            "{test} => ./main.ts:{line}:6\nerror: Error\n  throw new Error();\n        ^\n    at file:///app/main.ts:{}:9\n",
            line + 1
        )
    };
    let py = |test: &str| {
        format!(
            "def {test}():\n>       raise ValueError\nE       ValueError\n\ntests/test_orders.py:9: ValueError"
        )
    };
    let cases: Vec<TestCase> = [
        case("test 1", &deno("test 1", 4)),
        case("test 2", &deno("test 2", 7)),
        case("test_a", &py("test_a")),
        case("test_b", &py("test_b")),
        case(
            "loads a",
            "loads a => ./main.ts:3:6\nerror: Error: config missing\n  throw new Error(\"config missing\");\n        ^\n    at file:///app/main.ts:4:9\n",
        ),
        case(
            "loads b",
            "loads b => ./main.ts:8:6\nerror: Error: config missing\n  throw new Error(\"config missing\");\n        ^\n    at file:///app/main.ts:9:9\n",
        ),
        case(
            "saves a",
            "saves a => ./main.ts:12:6\nerror: Error\n  throw new Error();\n        ^\n    at openStore (file:///app/store.ts:40:9)\n    at file:///app/main.ts:13:3\n",
        ),
        case(
            "saves b",
            "saves b => ./main.ts:16:6\nerror: Error\n  throw new Error();\n        ^\n    at openStore (file:///app/store.ts:40:9)\n    at file:///app/main.ts:17:3\n",
        ),
    ]
    .iter()
    .map(|c| test_case(c, None))
    .collect();
    let label = clusters_of(&Pipeline::default(), &cases);
    let explain = |i: usize| {
        let sig =
            failtale_core::Fingerprint::fingerprint(&StructuredFingerprint::default(), &cases[i]);
        format!("{sig:?}")
    };
    assert_ne!(
        label[0],
        label[1],
        "two Deno tests throwing bare errors\n{}",
        explain(0)
    );
    assert_ne!(
        label[2],
        label[3],
        "two pytest tests raising a bare ValueError\n{}",
        explain(2)
    );
    assert_eq!(
        label[4],
        label[5],
        "one message thrown by two tests\n{}\n{}",
        explain(4),
        explain(5)
    );
    assert_eq!(
        label[6],
        label[7],
        "a bare error from one application function\n{}",
        explain(6)
    );
}

#[test]
fn a_failed_check_that_aborts_is_told_by_its_condition_not_the_signal() {
    let report = |cond: &str, pid: u32, pc: &str| {
        format!(
            "F1203 10:00:0{pid}.000000  {pid} cache.cc:88] Check failed: {cond}\n\
             AddressSanitizer:DEADLYSIGNAL\n\
             =================================================================\n\
             =={pid}==ERROR: AddressSanitizer: ABRT on unknown address 0x0000000{pid} (pc {pc} bp 0x7ffd sp 0x7ffd T0)\n\
             SCARINESS: 10 (signal)\n\
             #0 {pc} in raise /build/glibc/sysdeps/unix/sysv/linux/raise.c:51\n\
             #1 0x7f01 in abort /build/glibc/stdlib/abort.c:79\n\
             #2 0x55a1 in logging::LogMessage::~LogMessage() base/logging.cc:900:7\n\
             #3 0x55b2 in cache::Cache::Insert(int) src/cache.cc:88:3\n\
             #4 0x55c3 in LLVMFuzzerTestOneInput fuzz/cache_fuzzer.cc:20:5\n"
        )
    };
    let heap = "==77==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55d4\nREAD of size 4 at 0x602000000010 thread T0\n    #0 0x55d4 in cache::Cache::Insert(int) src/cache.cc:91:10\n    #1 0x55c3 in LLVMFuzzerTestOneInput fuzz/cache_fuzzer.cc:20:5\n";
    shape(
        "check then abort",
        &[
            case(
                "fuzz_a",
                &report("size_ <= capacity_ (9 vs. 8)", 1, "0x7f00"),
            ),
            case(
                "fuzz_b",
                &report("size_ <= capacity_ (12 vs. 8)", 2, "0x7f10"),
            ),
        ],
        &[
            case("fuzz_c", &report("key != kEmpty", 3, "0x7f20")),
            case("fuzz_d", heap),
        ],
    );
}

#[test]
fn snitch_and_qtest_checks() {
    let snitch = |test: &str, check: &str| {
        format!(
            "failed: running test case \"{test}\"\n          at tests/cart.cpp:40\n          for type int\n          {check}\n"
        )
    };
    shape(
        "snitch",
        &[
            case(
                "totals <int>",
                &snitch("totals <int>", "CHECK(cart.total() == 4), got: 3 != 4"),
            ),
            case(
                "totals <float>",
                &snitch("totals <float>", "CHECK(cart.total() == 4), got: 3 != 4"),
            ),
        ],
        &[case(
            "empties",
            &snitch("empties", "CHECK(cart.empty()), got: false"),
        )],
    );
    let qtest = |test: &str, actual: &str, expected: &str, line: u32| {
        format!(
            "FAIL!  : {test} Compared values are not the same\n   Actual   ({actual}): 3\n   Expected ({expected}): 4\n   Loc: [src/tests/tst_cart.cpp({line})]\n"
        )
    };
    shape(
        "qtest",
        &[
            case(
                "tst_Cart::total()",
                &qtest("tst_Cart::total()", "cart.total()", "4", 31),
            ),
            case(
                "tst_Cart::totalAfterReload()",
                &qtest("tst_Cart::totalAfterReload()", "cart.total()", "4", 57),
            ),
        ],
        &[case(
            "tst_Cart::count()",
            &qtest("tst_Cart::count()", "cart.count()", "2", 80),
        )],
    );
}
