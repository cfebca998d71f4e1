"""Shared helpers for the integration tests: start a real trentd on a free port with its own
temporary data directory, make boto3 clients pointed at it, and check AWS errors.

The environment names the programs under test (set by tests/integration/CMakeLists.txt):
TRENTD (the server binary), TRENTCTL (its command-line client), TRENT_AWS (the aws CLI),
TRENT_NODE (node), TRENT_PROTO_PY (the Python modules protoc made of proto/).
"""

import ctypes
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

READY_PREFIX = "trentd listening on "
# With --grpc-listen, trentd prints this line after READY_PREFIX's.
GRPC_READY_PREFIX = "trentd gRPC listening on "
START_TIMEOUT = 30.0
# In a sanitizer build (scripts/test --asan, --tsan) each runtime writes its reports to
# <workdir>/sanitizer.<pid> instead of stderr; any such file fails the test (SanitizerError).
SANITIZER_OPTION_VARIABLES = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS")

# A trentd built with -DTRENT_CHECK_RESPONSES=ON (scripts/test) checks each of its answers
# against the service model; one that does not match is answered KMSInternalException and logged
# with this text (server/ops/dispatcher.cpp). Any such line fails the test (ResponseCheckError).
RESPONSE_CHECK_FAILED = "response check failed: "

DISPATCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server", "ops",
                          "dispatcher.cpp")

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_SESSION_TOKEN": "test",
}


def trentd_path():
    path = os.environ.get("TRENTD")
    if not path:
        sys.exit("TRENTD is not set: run these tests through ctest (tests/integration/CMakeLists.txt)")
    return path


def _die_with_parent():
    # trentd must not outlive a test runner that is killed (ctest timeout): PR_SET_PDEATHSIG.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)


def implemented_operations():
    """The operations trent implements: those of the dispatcher's route table (kHandlers)."""
    with open(DISPATCHER) as f:
        text = f.read()
    table = text[text.index("kHandlers"):]
    table = table[:table.index("}};")]
    return set(re.findall(r'\{"(\w+)",', table))


def client_environment():
    """An environment for SDK clients: dummy credentials, no user config, no proxies."""
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS",
                 "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    env.update(DUMMY_CREDENTIALS)
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    env["AWS_REGION"] = "us-east-1"
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_PAGER"] = ""
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def write_credentials(path, identities):
    """Writes a --credentials-file in its YAML form (every value a quoted string)."""
    lines = ["identities:"]
    for identity in identities:
        first = True
        for name, value in identity.items():
            lead = "  - " if first else "    "
            first = False
            if isinstance(value, list):
                lines.append(f"{lead}{name}:")
                lines += [f"      - {json.dumps(item)}" for item in value]
            else:
                lines.append(f"{lead}{name}: {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def parse_timestamp(text):
    """A google.protobuf.Timestamp in protobuf's JSON mapping ("2026-01-02T03:04:05.678Z") as
    seconds since the epoch."""
    return datetime.datetime.fromisoformat(text).timestamp()


def call_by_hand(client, operation, **params):
    """One KMS request sent by hand with a boto3 client's endpoint, region and credentials
    (signed by botocore's SigV4Auth), for what an older botocore (Debian 12's 1.29) does not know:
    an operation, a request member, or an answer member it would drop. Blob parameters are bytes;
    the answer is trentd's JSON as sent (timestamps as epoch seconds, blobs in base64). An error
    answer raises botocore's ClientError, as the client itself would."""
    import base64
    import http.client
    import urllib.parse
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import ClientError
    body = json.dumps(params, default=lambda blob: base64.b64encode(blob).decode()).encode()
    request = AWSRequest(method="POST", url=client.meta.endpoint_url + "/", data=body,
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": f"TrentService.{operation}"})
    # botocore keeps a client's credentials with its signer (1.29 as 1.43).
    credentials = client._request_signer._credentials.get_frozen_credentials()
    botocore.auth.SigV4Auth(credentials, "kms", client.meta.region_name).add_auth(request)
    url = urllib.parse.urlsplit(client.meta.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=dict(request.headers.items()))
        resp = conn.getresponse()
        answer = json.loads(resp.read() or b"null")
        metadata = {"HTTPStatusCode": resp.status,
                    "RequestId": resp.getheader("x-amzn-RequestId"),
                    "HTTPHeaders": {k.lower(): v for k, v in resp.getheaders()}}
    finally:
        conn.close()
    if resp.status != 200:
        raise ClientError({"Error": {"Code": answer.get("__type"),
                                     "Message": answer.get("message", "")},
                           "ResponseMetadata": metadata}, operation)
    answer["ResponseMetadata"] = metadata
    return answer


class SanitizerError(AssertionError):
    """trentd reported an error of ASan, UBSan, LSan or TSan."""


class ResponseCheckError(AssertionError):
    """trentd answered something the service model does not allow (see RESPONSE_CHECK_FAILED)."""


class Trentd:
    """One trentd process on 127.0.0.1:<free port>, with a data dir that outlives restarts."""

    def __init__(self, extra_args=(), data_dir=None, identities=None, auth=None, grpc=False):
        """`identities`: dicts of access_key_id, secret_access_key, account_id, arn and optional
        session_token and policies (a list of JSON texts), written to a --credentials-file;
        `auth`: "strict" or "off" (--auth); `grpc`: also serve gRPC on a free port
        (--grpc-listen 127.0.0.1:0; its port is grpc_port)."""
        self.workdir = tempfile.mkdtemp(prefix="trent-it-")
        self.data_dir = data_dir or os.path.join(self.workdir, "data")
        self.extra_args = list(extra_args)
        if identities is not None:
            path = os.path.join(self.workdir, "credentials.yaml")
            write_credentials(path, identities)
            self.extra_args += ["--credentials-file", path]
        if auth is not None:
            self.extra_args += ["--auth", auth]
        self.grpc = grpc
        self.proc = None
        self.port = None
        self.grpc_port = None
        self.starts = 0

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_target(self):
        """HOST:PORT of the gRPC frontend (grpc=True)."""
        return f"127.0.0.1:{self.grpc_port}"

    def start(self, listen="127.0.0.1:0"):
        assert self.proc is None, "already running"
        self.starts += 1
        self.stdout_path = os.path.join(self.workdir, f"stdout.{self.starts}")
        self.stderr_path = os.path.join(self.workdir, f"stderr.{self.starts}")
        cmd = [trentd_path(), "--listen", listen, "--data-dir", self.data_dir,
               "--log-level", "warn"] + self.extra_args
        if self.grpc:
            cmd += ["--grpc-listen", "127.0.0.1:0"]
        prefixes = [READY_PREFIX] + ([GRPC_READY_PREFIX] if self.grpc else [])
        env = client_environment()
        log_path = os.path.join(self.workdir, "sanitizer")
        for name in SANITIZER_OPTION_VARIABLES:
            env[name] = ":".join(filter(None, [env.get(name), f"log_path={log_path}"]))
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         preexec_fn=_die_with_parent, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with open(self.stdout_path, "r", errors="replace") as f:
                lines = [line for line in f.readlines()[:len(prefixes)] if line.endswith("\n")]
            for line, prefix in zip(lines, prefixes):
                if not line.startswith(prefix):
                    self._fail_start(f"unexpected stdout line {line!r}, expected {prefix!r}...")
            if len(lines) == len(prefixes):
                ports = [int(line[len(prefix):].strip().rsplit(":", 1)[1])
                         for line, prefix in zip(lines, prefixes)]
                self.port = ports[0]
                self.grpc_port = ports[1] if self.grpc else None
                return self
            if self.proc.poll() is not None:
                self._fail_start(f"exited with code {self.proc.returncode} before it was ready")
            time.sleep(0.02)
        self._fail_start(f"not ready after {START_TIMEOUT} s")

    def _fail_start(self, why):
        self.kill()
        raise RuntimeError(f"trentd {why}; stderr:\n{self.stderr()}")

    def stderr(self):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return f.read()[-8000:]
        except OSError:
            return ""

    def stop(self, timeout=20.0):
        """Graceful stop (SIGTERM); returns the exit code. Raises SanitizerError if trentd
        reported a sanitizer error (leaks are found at this exit), ResponseCheckError if it
        logged a response check failure."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"trentd did not stop within {timeout} s of SIGTERM")
        finally:
            self.proc = None
        self.check_reports()
        return code

    def kill(self):
        """kill -9: no chance to clean up. Raises SanitizerError or ResponseCheckError if trentd
        had reported one."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.check_reports()

    def check_reports(self):
        """Raises SanitizerError or ResponseCheckError if trentd reported one."""
        self.check_sanitizer_reports()
        self.check_response_checks()

    def check_response_checks(self):
        failures = []
        for name in sorted(n for n in os.listdir(self.workdir) if n.startswith("stderr.")):
            with open(os.path.join(self.workdir, name), "r", errors="replace") as f:
                failures += [line.rstrip("\n") for line in f if RESPONSE_CHECK_FAILED in line]
        if failures:
            raise ResponseCheckError("trentd answered against the service model:\n" +
                                     "\n".join(failures[:20]))

    def check_sanitizer_reports(self):
        reports = sorted(name for name in os.listdir(self.workdir) if name.startswith("sanitizer."))
        if reports:
            texts = []
            for name in reports:
                with open(os.path.join(self.workdir, name), "r", errors="replace") as f:
                    text = f.read()
                # The kind of error and its first frames lead, the SUMMARY line ends it.
                texts.append(text if len(text) < 12000 else text[:10000] + "\n...\n" + text[-1000:])
            raise SanitizerError("trentd reported a sanitizer error:\n" + "\n".join(texts))

    def close(self):
        """Stops trentd gracefully (so a sanitizer build checks for leaks at its exit) and
        removes its files; raises SanitizerError or ResponseCheckError if trentd reported one."""
        try:
            if self.proc is not None:
                self.stop()
            else:
                self.check_reports()
        finally:
            self.kill()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def admin(self, method, body=None, http_method="POST", host="127.0.0.1"):
        """Calls trent's admin API (POST /_trent/v1/<method>, protobuf's JSON mapping of
        proto/trent/v1/admin.proto), from `host`'s address; returns (HTTP status, JSON answer)."""
        import http.client
        conn = http.client.HTTPConnection(host, self.port, timeout=30)
        try:
            payload = body if isinstance(body, (bytes, str)) else json.dumps(body or {})
            conn.request(http_method, f"/_trent/v1/{method}", body=payload,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def kms_call(self, operation, body):
        """One KMS request by hand with fixed credentials, for tests of trentd's JSON as sent or of
        an error's HTTP status; returns (HTTP status, JSON answer, x-amzn-RequestId). What an
        older botocore does not know goes through call_by_hand instead."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/", body=json.dumps(body), headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"TrentService.{operation}",
                "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kms/"
                                 "aws4_request, SignedHeaders=host, Signature=0"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read()), resp.getheader("x-amzn-RequestId")
        finally:
            conn.close()

    def signed_call(self, operation, body, access_key, secret, session_token=None, at=None,
                    region="us-east-1", edit=None):
        """One KMS request signed by botocore's SigV4Auth (at the datetime `at`, else now);
        `edit(headers)` may change the signed headers before sending. Returns (HTTP status, JSON
        answer)."""
        from unittest import mock
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        request = AWSRequest(method="POST", url=self.endpoint + "/", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": f"TrentService.{operation}"})
        signer = botocore.auth.SigV4Auth(Credentials(access_key, secret, session_token), "kms",
                                         region)
        if at is None:
            signer.add_auth(request)
        else:  # botocore >= 1.32 asks get_current_datetime(), older ones datetime.utcnow()
            if hasattr(botocore.auth, "get_current_datetime"):
                with mock.patch.object(botocore.auth, "get_current_datetime", return_value=at):
                    signer.add_auth(request)
            else:
                with mock.patch.object(botocore.auth, "datetime") as fake:
                    fake.datetime.utcnow.return_value = at
                    signer.add_auth(request)
        headers = dict(request.headers.items())
        if edit is not None:
            edit(headers)
        return self.raw_call(headers, request.body)

    def raw_call(self, headers, body):
        """POST / with exactly these headers (and Host); returns (HTTP status, JSON answer)."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
            if not any(name.lower() == "host" for name in headers):
                conn.putheader("Host", f"127.0.0.1:{self.port}")
            for name, value in headers.items():
                conn.putheader(name, value)
            payload = body if isinstance(body, bytes) else body.encode()
            conn.putheader("Content-Length", str(len(payload)))
            conn.endheaders(payload)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def advance_clock(self, seconds):
        """Moves the test clock (trentd --test-clock) forward; returns once the background work
        due by then (rotations, deletions) is done."""
        status, answer = self.admin("AdvanceClock", {"seconds": seconds})
        if status != 200:
            raise RuntimeError(f"AdvanceClock answered {status}: {answer}")
        return answer

    def clock(self):
        """The test clock (trentd --test-clock): (now in seconds since the epoch, how many
        seconds it has been moved ahead)."""
        status, answer = self.admin("GetClock")
        if status != 200:
            raise RuntimeError(f"GetClock answered {status}: {answer}")
        return parse_timestamp(answer["now"]), int(answer["offsetSeconds"])

    def client(self, region="us-east-1", access_key="test", secret="test", session_token="test",
               endpoint=None, **config):
        """A boto3 KMS client of this trentd (at `endpoint`, else self.endpoint)."""
        import boto3
        from botocore.config import Config
        # Client-side validation off: the server must reject bad values itself, as AWS does.
        cfg = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"},
                     connect_timeout=5, read_timeout=30, **config)
        return boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret,
            aws_session_token=session_token, region_name=region,
        ).client("kms", endpoint_url=endpoint or self.endpoint, config=cfg)


class TrentdTestCase(unittest.TestCase):
    """A test class sharing one trentd; self.kms is a us-east-1 client."""

    trentd_args = ()
    identities = None  # see Trentd
    auth = None
    grpc = False

    @classmethod
    def setUpClass(cls):
        cls.server = Trentd(cls.trentd_args, identities=cls.identities, auth=cls.auth,
                            grpc=cls.grpc)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.kms = cls.server.client()

    def assertAwsError(self, code, fn, *args, message=None, message_contains=None, **kwargs):
        """fn(*args, **kwargs) must fail with this AWS error code and HTTP 400; returns the error."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response["Error"]
        meta = cm.exception.response["ResponseMetadata"]
        self.assertEqual(err["Code"], code, f"wrong error, message: {err.get('Message')!r}")
        self.assertEqual(meta["HTTPStatusCode"], 400)
        self.assertTrue(meta.get("RequestId") or meta["HTTPHeaders"].get("x-amzn-requestid"),
                        "error response without x-amzn-RequestId")
        if message is not None:
            self.assertEqual(err.get("Message"), message)
        if message_contains is not None:
            self.assertIn(message_contains, err.get("Message", ""))
        return err

    def new_key(self, client=None, **kwargs):
        return (client or self.kms).create_key(**kwargs)["KeyMetadata"]


class AwsCliTestCase(TrentdTestCase):
    """A test class driving its trentd with the aws CLI (TRENT_AWS), dummy credentials and
    --endpoint-url; files for fileb:// arguments go to self.files."""

    aws_path = os.environ.get("TRENT_AWS") or "aws"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.files = tempfile.mkdtemp(prefix="trent-cli-", dir=cls.server.workdir)
        cls.driver = cls.start_driver()
        if cls.driver:
            cls.addClassCleanup(cls.stop_driver)

    @classmethod
    def start_driver(cls):
        """aws_cli_driver.py when its awscli is the one TRENT_AWS runs (the same aws-cli and
        Python versions): a command then costs ~0.15 s instead of a new process's ~1.5 s. None
        otherwise (e.g. an aws CLI v2 binary): each command is then a process of its own."""
        env = client_environment()
        probe = subprocess.run([cls.aws_path, "--version"], capture_output=True, text=True,
                               timeout=60, env=env)
        found = re.match(r"aws-cli/(\S+) Python/(\S+)", (probe.stdout + probe.stderr).strip())
        if not found:
            return None
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aws_cli_driver.py")
        driver = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  env=env)
        hello = driver.stdout.readline()  # empty when this python has no awscli
        versions = json.loads(hello) if hello else {}
        if (versions.get("awscli"), versions.get("python")) != found.groups():
            driver.stdin.close()
            driver.wait(timeout=30)
            return None
        return driver

    @classmethod
    def stop_driver(cls):
        cls.driver.stdin.close()
        cls.driver.wait(timeout=30)

    @classmethod
    def aws_help(cls, command):
        """The help text of `aws kms <command>`, or None when this aws CLI predates the command."""
        probe = subprocess.run([cls.aws_path, "kms", command, "help"], capture_output=True,
                               text=True, timeout=60, env=client_environment())
        return probe.stdout if probe.returncode == 0 else None

    @classmethod
    def aws_knows(cls, command):
        """Whether this aws CLI has `aws kms <command>` (older ones predate some operations)."""
        return cls.aws_help(command) is not None

    def run_aws(self, args, debug=False):
        aws_args = ["--endpoint-url", self.server.endpoint, "--region", "us-east-1",
                    "--output", "json", *(["--debug"] if debug else []), "kms", *args]
        if not self.driver:
            return subprocess.run([self.aws_path, *aws_args], capture_output=True, text=True,
                                  timeout=60, env=client_environment())
        self.driver.stdin.write(json.dumps(aws_args) + "\n")
        self.driver.stdin.flush()
        line = self.driver.stdout.readline()
        self.assertTrue(line, f"aws_cli_driver.py exited (code {self.driver.poll()})")
        ran = json.loads(line)
        return subprocess.CompletedProcess([self.aws_path, *aws_args], ran["returncode"],
                                           ran["stdout"], ran["stderr"])

    def aws(self, *args, expect_ok=True):
        """The parsed JSON answer; with expect_ok=False, the command must fail: its stderr."""
        proc = self.run_aws(args)
        if expect_ok:
            self.assertEqual(proc.returncode, 0, f"{args}: {proc.stderr}")
            return json.loads(proc.stdout) if proc.stdout.strip() else {}
        self.assertNotEqual(proc.returncode, 0, f"{args} succeeded: {proc.stdout}")
        return proc.stderr

    def write(self, name, data):
        """Writes `data` to a file of this test class; returns its path."""
        path = os.path.join(self.files, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


def main():
    unittest.main(verbosity=2)
