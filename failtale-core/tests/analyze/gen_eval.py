#!/usr/bin/env python3
"""Regenerates eval.jsonl: labelled failure texts for the offline rules.

Written for failtale (no third-party text copied). Each template is a failure
as a runner would report it in one language; parameters vary ports, paths,
names and values. Run: python3 gen_eval.py > eval.jsonl
"""
import json
import random

rng = random.Random(20240611)

PORTS = [5432, 6379, 8080, 9200, 3306, 27017, 4222, 9092, 5672, 8443]
HOSTS = ["db.internal", "redis-test", "api.staging.example.com", "kafka-0.kafka", "search.local"]
PATHS = ["fixtures/users.json", "/etc/app/config.yaml", "testdata/golden/report.txt", "resources/schema.sql",
         "./data/input.csv", "/var/lib/app/state.db", "tests/assets/logo.png"]
VARS = ["DATABASE_URL", "AWS_REGION", "STRIPE_API_KEY", "REDIS_URL", "APP_SECRET", "KAFKA_BROKERS"]
TESTS = ["test_checkout", "orders::tests::total_is_summed", "UserServiceTest.createsUser", "TestParseConfig",
         "renders the header", "CacheTest.EvictsOldest", "test_login_redirect", "api::tests::rejects_bad_token"]
MODS = ["requests", "numpy", "pydantic", "yaml", "boto3", "lxml"]
NODE_MODS = ["lodash", "@app/utils", "./config", "express", "date-fns"]
CLASSES = ["com.google.common.collect.ImmutableList", "org.slf4j.LoggerFactory", "io.netty.channel.EventLoopGroup",
           "com.fasterxml.jackson.databind.ObjectMapper"]
TABLES = ["users", "orders", "line_items", "sessions_v2", "audit_log"]
N = lambda: rng.randint(2, 99)

def rust_panic(msg, file="src/lib.rs"):
    return f"thread '{rng.choice(TESTS)}' panicked at {file}:{rng.randint(10,400)}:{rng.randint(5,30)}:\n{msg}\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"

def py_tb(exc, frames=2):
    lines = ["Traceback (most recent call last):"]
    for i in range(frames):
        lines.append(f'  File "app/{rng.choice(["svc","db","api","util"])}.py", line {rng.randint(5,300)}, in {rng.choice(["run","load","fetch","handle"])}')
        lines.append("    " + rng.choice(["result = client.get(url)", "data = load(path)", "return conn.execute(q)", "value = cfg[key]"]))
    lines.append(exc)
    return "\n".join(lines)

def java(exc, cause=None):
    t = f"{exc}\n\tat com.acme.{rng.choice(['orders','billing','auth'])}.{rng.choice(['Service','Repo','Client'])}.{rng.choice(['load','save','call'])}({rng.choice(['Service','Repo','Client'])}.java:{rng.randint(10,300)})\n\tat org.junit.platform.engine.support.hierarchical.NodeTestTask.executeRecursively(NodeTestTask.java:151)"
    if cause:
        t += f"\nCaused by: {cause}\n\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n\t... 42 more"
    return t

def go(msg):
    return f"--- FAIL: {rng.choice(['TestFetch','TestStore','TestHandler','TestWorker'])} ({rng.randint(0,30)}.{rng.randint(10,99)}s)\n    {rng.choice(['store','client','handler'])}_test.go:{rng.randint(10,200)}: {msg}\nFAIL"

def jest(msg):
    return f"● {rng.choice(['Cart','Login','Api client','Header'])} › {rng.choice(TESTS)}\n\n    {msg}\n\n      at Object.<anonymous> (src/{rng.choice(['cart','login','api'])}.test.ts:{rng.randint(5,90)}:{rng.randint(3,20)})"

def gtest(msg):
    return f"[ RUN      ] {rng.choice(TESTS)}\n{rng.choice(['src/cache_test.cc','tests/parser_test.cpp'])}:{rng.randint(10,300)}: Failure\n{msg}\n[  FAILED  ] {rng.choice(TESTS)} ({rng.randint(0,900)} ms)"

T = {}
T["assertion"] = [
    lambda: rust_panic(f"assertion `left == right` failed\n  left: {N()}\n right: {N()}"),
    lambda: rust_panic(f"assertion failed: `(left == right)`\n  left: `\"{rng.choice(['ok','done'])}\"`,\n right: `\"pending\"`"),
    lambda: rust_panic(f"assertion failed: result.is_ok()"),
    lambda: rust_panic(f"assertion failed: items.len() > {N()}"),
    lambda: f"org.opentest4j.AssertionFailedError: expected: <{N()}> but was: <{N()}>\n\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)",
    lambda: f"java.lang.AssertionError: expected:<ACTIVE> but was:<SUSPENDED>\n\tat org.junit.Assert.fail(Assert.java:89)",
    lambda: f"    def test_total():\n>       assert order.total() == {N()}\nE       assert {N()} == {N()}\nE        +  where {N()} = <Order>.total()\n\ntests/test_orders.py:{N()}: AssertionError",
    lambda: f"E       AssertionError: Lists differ: [1, 2, 3] != [1, 2]\n\ntests/test_list.py:{N()}: AssertionError",
    lambda: go(f"got {N()}, want {N()}"),
    lambda: go(f"Error Trace:\tstore_test.go:{N()}\n        \tError:      \tNot equal: \n        \t            \texpected: \"alice\"\n        \t            \tactual  : \"bob\""),
    lambda: jest(f"expect(received).toBe(expected) // Object.is equality\n\n    Expected: {N()}\n    Received: {N()}"),
    lambda: jest(f"expect(received).toEqual(expected) // deep equality\n\n    Expected: \"Welcome\"\n    Received: \"Hello\""),
    lambda: gtest(f"Expected equality of these values:\n  cache.size()\n    Which is: {N()}\n  {N()}"),
    lambda: gtest(f"Value of: parser.Parse(input)\n  Actual: false\nExpected: true"),
    lambda: f"AssertionError: expected {N()} to equal {N()}\n    at Context.<anonymous> (test/math.spec.js:{N()}:{N()})",
    lambda: f"snapshot assertion for 'render_header' failed in line {N()}\n-old snapshot\n+new results",
    lambda: f"Expected :200\nActual   :404\n<Click to see difference>\norg.opentest4j.AssertionFailedError",
    lambda: f"Failed asserting that two strings are equal.\n--- Expected\n+++ Actual\n@@ @@\n-'paid'\n+'open'",
]
T["panic"] = [
    lambda: rust_panic("called `Option::unwrap()` on a `None` value"),
    lambda: rust_panic(f"index out of bounds: the len is {N()} but the index is {N()+100}"),
    lambda: rust_panic("attempt to subtract with overflow"),
    lambda: rust_panic("attempt to divide by zero"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }"),
    lambda: rust_panic("unexpected token in input"),
    lambda: py_tb(f"AttributeError: 'NoneType' object has no attribute '{rng.choice(['id','items','name'])}'"),
    lambda: py_tb("IndexError: list index out of range"),
    lambda: py_tb(f"KeyError: '{rng.choice(['user_id','total','items'])}'"),
    lambda: py_tb("ZeroDivisionError: division by zero"),
    lambda: py_tb("ValueError: invalid literal for int() with base 10: 'abc'"),
    lambda: java("java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null"),
    lambda: java(f"java.lang.ArrayIndexOutOfBoundsException: Index {N()} out of bounds for length {N()}"),
    lambda: java("java.lang.IllegalStateException: Order already shipped"),
    lambda: java("java.lang.NumberFormatException: For input string: \"12a\""),
    lambda: f"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2f1c]\n\ngoroutine 7 [running]:\ngithub.com/acme/svc.(*Client).Do(0x0)\n\t/src/client.go:{N()} +0x1c",
    lambda: f"panic: runtime error: index out of range [{N()}] with length {N()}\n\ngoroutine 1 [running]:\nmain.parse(...)\n\t/src/parse.go:{N()}",
    lambda: jest("TypeError: Cannot read properties of undefined (reading 'map')"),
    lambda: jest("TypeError: fetchUser is not a function"),
    lambda: f"Uncaught ReferenceError: config is not defined\n    at render (src/app.js:{N()}:{N()})",
]
T["timeout"] = [
    lambda: jest(f"thrown: \"Exceeded timeout of {rng.choice([5000,10000])} ms for a test.\nAdd a timeout value to this test to increase the timeout\""),
    lambda: f"panic: test timed out after {rng.choice(['10m0s','2m0s','30s'])}\n\ngoroutine 34 [chan receive]:\ntesting.(*T).Run(0xc000102000)",
    lambda: py_tb("TimeoutError: timed out waiting for the worker to become ready"),
    lambda: f"Failed: Timeout >{rng.choice([30.0,60.0])}s\n\n~~~ Stack of <unknown> ~~~\n  File \"/usr/lib/python3.11/threading.py\", line 320, in wait",
    lambda: java("java.util.concurrent.TimeoutException: Waited 30 seconds for Future"),
    lambda: java("org.junit.runners.model.TestTimedOutException: test timed out after 2000 milliseconds"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: Elapsed(())"),
    lambda: rust_panic("operation timed out after 5s waiting for leader election"),
    lambda: f"    {rng.choice(TESTS)} has been running for over 60 seconds\nSIGTERM sent after timeout",
    lambda: go("context deadline exceeded"),
    lambda: f"grpc: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
    lambda: java("java.net.SocketTimeoutException: Read timed out"),
    lambda: f"Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure \"done()\" is called; if returning a Promise, ensure it resolves.",
    lambda: f"selenium.common.exceptions.TimeoutException: Message: waiting for element #submit to be clickable",
    lambda: f"TIMEOUT: test exceeded its {rng.choice([60,300])}s limit and was terminated",
    lambda: py_tb("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.example.com', port=443): Read timed out. (read timeout=10)"),
]
T["network"] = [
    lambda: rust_panic(f"called `Result::unwrap()` on an `Err` value: Os {{ code: 111, kind: ConnectionRefused, message: \"Connection refused\" }}\nconnecting to 127.0.0.1:{rng.choice(PORTS)}"),
    lambda: py_tb(f"ConnectionRefusedError: [Errno 111] Connection refused"),
    lambda: java(f"org.springframework.web.client.ResourceAccessException: I/O error on GET request", f"java.net.ConnectException: Connection refused (localhost:{rng.choice(PORTS)})"),
    lambda: go(f"dial tcp 127.0.0.1:{rng.choice(PORTS)}: connect: connection refused"),
    lambda: jest(f"Error: connect ECONNREFUSED 127.0.0.1:{rng.choice(PORTS)}"),
    lambda: py_tb("ConnectionResetError: [Errno 104] Connection reset by peer"),
    lambda: jest("Error: socket hang up\n    at connResetException (node:internal/errors:720:14)"),
    lambda: go(f"read tcp 10.0.0.5:51234->10.0.0.9:{rng.choice(PORTS)}: read: connection reset by peer"),
    lambda: go(f"dial tcp: lookup {rng.choice(HOSTS)} on 10.0.0.2:53: no such host"),
    lambda: jest(f"Error: getaddrinfo ENOTFOUND {rng.choice(HOSTS)}"),
    lambda: java(f"java.net.UnknownHostException: {rng.choice(HOSTS)}"),
    lambda: py_tb(f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='{rng.choice(HOSTS)}', port=443): Max retries exceeded with url: / (Caused by NameResolutionError(\"Failed to resolve '{rng.choice(HOSTS)}' ([Errno -2] Name or service not known)\"))"),
    lambda: py_tb("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)"),
    lambda: java("javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"),
    lambda: go("Get \"https://api.staging.example.com/v1\": tls: failed to verify certificate: x509: certificate signed by unknown authority"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: reqwest::Error { kind: Request, source: hyper::Error(Connect, Custom { kind: Other, error: InvalidCertificate(UnknownIssuer) }) }"),
    lambda: py_tb(f"requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://{rng.choice(HOSTS)}/health"),
    lambda: jest(f"AxiosError: Request failed with status code {rng.choice([500,502,503])}"),
    lambda: java("org.springframework.web.client.HttpServerErrorException$InternalServerError: 500 Internal Server Error: [no body]"),
    lambda: py_tb(f"requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://{rng.choice(HOSTS)}/v2/items"),
    lambda: go("unexpected response: 401 Unauthorized"),
    lambda: jest("Error: Request failed with status code 429"),
]
T["resource"] = [
    lambda: java("java.lang.OutOfMemoryError: Java heap space"),
    lambda: py_tb("MemoryError"),
    lambda: f"<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb090e0 node::Abort() [node]",
    lambda: f"memory allocation of {rng.randint(10**8, 10**10)} bytes failed\nerror: test failed, to rerun pass `--lib`\nCaused by:\n  process didn't exit successfully: `target/debug/deps/app-1f2e` (signal: 6, SIGABRT: process abort signal)",
    lambda: f"error: test failed, to rerun pass `--test integration`\n\nCaused by:\n  process didn't exit successfully: `target/debug/deps/integration-9a8b` (signal: 9, SIGKILL: kill)",
    lambda: f"Container {rng.choice(['test-runner','app'])} exited with code 137 (OOMKilled)",
    lambda: py_tb(f"OSError: [Errno 28] No space left on device: '/tmp/pytest-of-ci/{rng.randint(1,99)}'"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: Os { code: 28, kind: StorageFull, message: \"No space left on device\" }"),
    lambda: java("java.io.IOException: No space left on device"),
    lambda: py_tb("OSError: [Errno 24] Too many open files"),
    lambda: go("open /tmp/cache/segment-12: too many open files"),
    lambda: java("java.net.SocketException: Too many open files"),
    lambda: rust_panic(f"called `Result::unwrap()` on an `Err` value: Os {{ code: 98, kind: AddrInUse, message: \"Address already in use\" }}\nbinding 0.0.0.0:{rng.choice(PORTS)}"),
    lambda: jest(f"Error: listen EADDRINUSE: address already in use :::{rng.choice(PORTS)}"),
    lambda: java(f"java.net.BindException: Address already in use", None),
    lambda: go(f"listen tcp :{rng.choice(PORTS)}: bind: address already in use"),
    lambda: java("java.lang.OutOfMemoryError: unable to create new native thread"),
    lambda: f"runtime: out of memory: cannot allocate 4194304-byte block (3925868544 in use)\nfatal error: out of memory",
    lambda: py_tb("RuntimeError: can't start new thread"),
]
T["permission"] = [
    lambda: py_tb(f"PermissionError: [Errno 13] Permission denied: '{rng.choice(PATHS)}'"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: Os { code: 13, kind: PermissionDenied, message: \"Permission denied\" }"),
    lambda: java(f"java.nio.file.AccessDeniedException: {rng.choice(PATHS)}"),
    lambda: go(f"open {rng.choice(PATHS)}: permission denied"),
    lambda: jest(f"Error: EACCES: permission denied, open '{rng.choice(PATHS)}'"),
    lambda: f"Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: connect: permission denied",
    lambda: rust_panic("failed to set socket option: Operation not permitted (os error 1)"),
    lambda: java("java.lang.SecurityException: Permission denied: user=ci, access=WRITE, inode=\"/user/hive\""),
    lambda: f"git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
    lambda: py_tb("PermissionError: [Errno 1] Operation not permitted: '/sys/fs/cgroup/cpu.max'"),
    lambda: f"mkdir: cannot create directory '/opt/app/cache': Permission denied\nsetup step failed with exit code 1",
    lambda: f"System.UnauthorizedAccessException : Access to the path 'C:\\\\build\\\\out\\\\app.log' is denied.",
    lambda: go("exec: \"./scripts/seed.sh\": permission denied"),
    lambda: jest("Error: EPERM: operation not permitted, unlink 'dist/index.js'"),
    lambda: f"ERROR: permission denied for schema public\nSTATEMENT: CREATE TABLE test_items (id int)",
    lambda: f"error: could not write to '/usr/local/lib/python3.11/site-packages': Access is denied",
]
T["missing-file-or-config"] = [
    lambda: py_tb(f"FileNotFoundError: [Errno 2] No such file or directory: '{rng.choice(PATHS)}'"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: Os { code: 2, kind: NotFound, message: \"No such file or directory\" }"),
    lambda: java(f"java.io.FileNotFoundException: {rng.choice(PATHS)} (No such file or directory)"),
    lambda: java(f"java.nio.file.NoSuchFileException: {rng.choice(PATHS)}"),
    lambda: go(f"open {rng.choice(PATHS)}: no such file or directory"),
    lambda: jest(f"Error: ENOENT: no such file or directory, open '{rng.choice(PATHS)}'"),
    lambda: rust_panic(f"{rng.choice(VARS)} must be set"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: NotPresent"),
    lambda: py_tb(f"KeyError: '{rng.choice(VARS)}'"),
    lambda: f"Error: environment variable {rng.choice(VARS)} is not set",
    lambda: jest(f"Error: Missing required environment variable: {rng.choice(VARS)}"),
    lambda: go(f"config: env var {rng.choice(VARS)} not set"),
    lambda: java("java.lang.IllegalArgumentException: Could not resolve placeholder 'db.url' in value \"${db.url}\""),
    lambda: py_tb("django.core.exceptions.ImproperlyConfigured: Requested setting DATABASES, but settings are not configured."),
    lambda: f"Error: configuration file {rng.choice(['config/test.toml','.env.test','appsettings.Test.json'])} not found",
    lambda: gtest(f"Failed to open golden file {rng.choice(PATHS)}: does not exist"),
    lambda: f"error: Missing required setting `api.base_url` in config",
    lambda: go(f"stat {rng.choice(PATHS)}: no such file or directory"),
]
T["dependency"] = [
    lambda: py_tb(f"ModuleNotFoundError: No module named '{rng.choice(MODS)}'", 1),
    lambda: py_tb(f"ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/venv/lib/python3.11/site-packages/markupsafe/__init__.py)", 1),
    lambda: jest(f"Cannot find module '{rng.choice(NODE_MODS)}' from 'src/index.ts'"),
    lambda: f"Error [ERR_MODULE_NOT_FOUND]: Cannot find package '{rng.choice(NODE_MODS)}' imported from /app/src/server.mjs",
    lambda: java(f"java.lang.NoClassDefFoundError: {rng.choice(CLASSES).replace('.','/')}", f"java.lang.ClassNotFoundException: {rng.choice(CLASSES)}"),
    lambda: java("java.lang.NoSuchMethodError: 'com.google.common.collect.ImmutableList com.google.common.collect.ImmutableList.copyOf(java.util.Collection)'"),
    lambda: java("java.lang.UnsupportedClassVersionError: com/acme/App has been compiled by a more recent version of the Java Runtime (class file version 65.0)"),
    lambda: f"/app/target/debug/deps/ffi_test-3f2a: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory",
    lambda: f"undefined reference to `png_create_read_struct'\ncollect2: error: ld returned 1 exit status",
    lambda: f"ImportError: /venv/lib/python3.11/site-packages/_ext.so: undefined symbol: PyFloat_Unpack2",
    lambda: f"ERROR: Could not find a version that satisfies the requirement torch==1.9.0 (from versions: 2.1.0, 2.2.0)",
    lambda: f"npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\nnpm ERR! peer dep missing: react@^17",
    lambda: f"error: failed to select a version for `tokio`.\n    ... required by package `app v0.1.0`",
    lambda: go("no required module provides package github.com/acme/lib/v2; to add it:\n\tgo get github.com/acme/lib/v2"),
    lambda: go("missing go.sum entry for module providing package golang.org/x/sync/errgroup"),
    lambda: f"sh: 1: {rng.choice(['protoc','psql','chromedriver','jq'])}: command not found",
    lambda: go("exec: \"docker-compose\": executable file not found in $PATH"),
    lambda: f"/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by ./app)",
    lambda: f"error[E0432]: unresolved import `serde_json::Value2`\n --> src/lib.rs:3:5",
]
T["database"] = [
    lambda: f"org.postgresql.util.PSQLException: ERROR: deadlock detected\n  Detail: Process 4123 waits for ShareLock on transaction 991; blocked by process 4120.",
    lambda: py_tb("psycopg2.errors.DeadlockDetected: deadlock detected\nDETAIL:  Process 77 waits for ShareLock on transaction 12; blocked by process 78."),
    lambda: java("com.mysql.cj.jdbc.exceptions.MySQLTransactionRollbackException: Deadlock found when trying to get lock; try restarting transaction"),
    lambda: java("java.sql.SQLException: Lock wait timeout exceeded; try restarting transaction"),
    lambda: py_tb("sqlite3.OperationalError: database is locked"),
    lambda: py_tb(f"sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"{rng.choice(TABLES)}_email_key\""),
    lambda: rust_panic(f"called `Result::unwrap()` on an `Err` value: Database(PgDatabaseError {{ severity: Error, code: \"23505\", message: \"duplicate key value violates unique constraint \\\"{rng.choice(TABLES)}_pkey\\\"\" }})"),
    lambda: java(f"org.springframework.dao.DataIntegrityViolationException: could not execute statement; constraint [fk_{rng.choice(TABLES)}_user]"),
    lambda: py_tb(f"sqlite3.IntegrityError: UNIQUE constraint failed: {rng.choice(TABLES)}.id"),
    lambda: f"Error: ER_DUP_ENTRY: Duplicate entry '{N()}' for key 'PRIMARY'",
    lambda: py_tb(f"psycopg2.errors.UndefinedTable: relation \"{rng.choice(TABLES)}\" does not exist\nLINE 1: SELECT * FROM {rng.choice(TABLES)}"),
    lambda: py_tb(f"sqlite3.OperationalError: no such table: {rng.choice(TABLES)}"),
    lambda: java(f"java.sql.SQLSyntaxErrorException: Table 'test.{rng.choice(TABLES)}' doesn't exist"),
    lambda: rust_panic(f"called `Result::unwrap()` on an `Err` value: error returned from database: column \"deleted_at\" does not exist"),
    lambda: java("java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms."),
    lambda: py_tb("psycopg2.OperationalError: FATAL:  sorry, too many clients already"),
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: PoolTimedOut"),
    lambda: f"ActiveRecord::PendingMigrationError: Migrations are pending. To resolve this issue, run: bin/rails db:migrate RAILS_ENV=test",
    lambda: go("pq: password authentication failed for user \"app\""),
]
T["crash"] = [
    lambda: f"error: test failed, to rerun pass `--lib`\n\nCaused by:\n  process didn't exit successfully: `target/debug/deps/core-77aa` (signal: 11, SIGSEGV: invalid memory reference)",
    lambda: f"Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f (most recent call first):\n  File \"/venv/lib/python3.11/site-packages/lxml/etree.py\", line 12 in parse",
    lambda: f"/bin/sh: line 1: {rng.randint(1000,9999)} Segmentation fault      (core dumped) ./build/tests/unit_tests",
    lambda: f"=================================================================\n==4412==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x55d1 bp 0x7ffd sp 0x7ffd\nREAD of size 4 at 0x602000000010 thread T0\n    #0 0x55d1 in Cache::get(int) src/cache.cc:{N()}",
    lambda: f"==31==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc 0x4f2 bp 0x7ff\nWRITE of size 8",
    lambda: f"src/parser.cc:{N()}:{N()}: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'",
    lambda: f"terminate called after throwing an instance of 'std::runtime_error'\n  what():  bad state\nAborted (core dumped)",
    lambda: f"free(): double free detected in tcache 2\nAborted (core dumped)",
    lambda: f"\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\nerror: test failed (signal: 6, SIGABRT: process abort signal)",
    lambda: java("java.lang.StackOverflowError"),
    lambda: py_tb("RecursionError: maximum recursion depth exceeded while calling a Python object"),
    lambda: jest("RangeError: Maximum call stack size exceeded"),
    lambda: f"#\n# A fatal error has been detected by the Java Runtime Environment:\n#\n#  SIGSEGV (0xb) at pc=0x00007f, pid=1234, tid=1250\n#\n# Problematic frame:\n# C  [libnative.so+0x1a2b]",
    lambda: f"runtime: goroutine stack exceeds 1000000000-byte limit\nfatal error: stack overflow",
    lambda: f"*** stack smashing detected ***: terminated\nAborted (core dumped)",
    lambda: f"[  FAILED  ] CacheTest.EvictsOldest\nCheck failed: size_ <= capacity_ (17 vs. 16)\n*** Check failure stack trace: ***",
    lambda: f"Process finished with exit code 139 (interrupted by signal 11: SIGSEGV)",
    lambda: f"Illegal instruction (core dumped) ./target/release/bench_simd",
]
T["concurrency"] = [
    lambda: f"==================\nWARNING: DATA RACE\nWrite at 0x00c0001a4010 by goroutine 8:\n  github.com/acme/cache.(*Cache).Set()\n      /src/cache.go:{N()} +0x64\nPrevious read at 0x00c0001a4010 by goroutine 7:",
    lambda: f"WARNING: ThreadSanitizer: data race (pid=9123)\n  Write of size 4 at 0x7b0400000010 by thread T2:\n    #0 Counter::inc() src/counter.cc:{N()}",
    lambda: f"fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()",
    lambda: f"fatal error: concurrent map writes\n\ngoroutine 21 [running]:\nruntime.throw({{0x4c1b2a, 0x15}})",
    lambda: f"Found one Java-level deadlock:\n=============================\n\"worker-2\":\n  waiting to lock monitor 0x00007f (object 0x000000, a java.lang.Object),\n  which is held by \"worker-1\"",
    lambda: rust_panic("called `Result::unwrap()` on an `Err` value: PoisonError { .. }"),
    lambda: rust_panic("already mutably borrowed: BorrowError"),
    lambda: java("java.util.ConcurrentModificationException\n\tat java.base/java.util.ArrayList$Itr.checkForComodification(ArrayList.java:1013)"),
    lambda: f"panic: send on closed channel\n\ngoroutine 12 [running]:\ngithub.com/acme/pool.(*Pool).submit(...)",
    lambda: f"panic: sync: negative WaitGroup counter",
    lambda: f"WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=2231)\n  Cycle in lock order graph: M1 => M2 => M1",
    lambda: rust_panic("test appears deadlocked: no progress after acquiring both locks (potential deadlock between writer and flusher)"),
    lambda: java("java.lang.InterruptedException: sleep interrupted\n\tat java.base/java.lang.Thread.sleep(Native Method)"),
    lambda: f"race condition: counter expected 1000 increments, observed lost updates under 8 threads",
    lambda: f"panic: close of closed channel\n\ngoroutine 9 [running]:",
    lambda: py_tb("RuntimeError: deadlock detected by _ModuleLock('app.settings')"),
]
T["flaky-infrastructure"] = [
    lambda: "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    lambda: "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading",
    lambda: "The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.",
    lambda: "The self-hosted runner: ci-runner-14 lost communication with the server. Verify the machine is running and has a healthy network connection.",
    lambda: java("org.testcontainers.containers.ContainerLaunchException: Container startup failed for image postgres:15"),
    lambda: java("java.lang.IllegalStateException: Could not find a valid Docker environment. Please see logs and check configuration"),
    lambda: java("org.openqa.selenium.SessionNotCreatedException: Could not start a new session. Response code 500. Message: session not created: DevToolsActivePort file doesn't exist"),
    lambda: "WebDriverException: unknown error: Chrome failed to start: exited abnormally.",
    lambda: "Warning: Failed to pull image \"registry.internal/app:ci\": rpc error: code = Unknown desc = failed to pull image: manifest unknown\nBack-off pulling image: ImagePullBackOff",
    lambda: "The node was low on resource: ephemeral-storage. Pod test-runner-7f9c was evicted.",
    lambda: "Agent went offline during the build: agent-linux-22",
    lambda: "##[error]The operation was canceled.",
    lambda: "adb: device offline\nerror: emulator-5554 device offline while installing test APK",
    lambda: "Chrome Headless 120 ERROR\n  Disconnected, because no message in 30000 ms.\nBrowser disconnected (karma)",
    lambda: "Unable to obtain a Connection to the grid at http://selenium-hub:4444/wd/hub",
    lambda: "error: failed to pull image \"mcr.microsoft.com/mssql/server:2022-latest\": context canceled",
]
T["other"] = [
    lambda: py_tb("NotImplementedError"),
    lambda: rust_panic("not yet implemented: streaming export"),
    lambda: java("java.lang.UnsupportedOperationException: Not implemented"),
    lambda: "Test failed",
    lambda: "exit status 1",
    lambda: f"Process exited with code {rng.choice([1,2,3])}",
    lambda: f"{rng.choice(TESTS)} FAILED",
    lambda: "Error: process completed with exit code 2.",
    lambda: "FAIL\tgithub.com/acme/svc\t0.412s",
    lambda: "Test marked as failed by the harness: unexpected output on stdout",
    lambda: "1 of 7 checks did not pass",
    lambda: "failed: see log for details",
    lambda: go("TODO: implement retry policy"),
    lambda: "Expected behaviour not observed (manual verification step)",
]

LANG_HINT = {"rust": "panicked at", "python": "Traceback", "java": "\tat ", "go": "--- FAIL", "js": "●", "cpp": "[ RUN"}

def lang_of(text):
    for k, v in LANG_HINT.items():
        if v in text:
            return k
    return "any"

def main():
    per_category = 25
    out = []
    for cat, temps in T.items():
        # Every template at least once, then cycle with fresh parameters.
        for i in range(per_category):
            t = temps[i % len(temps)]
            out.append({"category": cat, "lang": None, "text": t()})
    for o in out:
        o["lang"] = lang_of(o["text"])
        print(json.dumps(o, ensure_ascii=False))

main()
