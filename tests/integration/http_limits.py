"""Hostile connections against a real trentd: endless chunk extensions or trailers must not grow
its memory, and idle sockets beyond the connection cap or the descriptor limit must not keep real
SDK requests from being served."""

import os
import resource
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import harness

CHUNKED_HEAD = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
                b"Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
STREAM_SECONDS = 3.0
STREAM_BYTES = 64 * 1024 * 1024
# What one connection may add to trentd's RSS: far below what the streams send.
RSS_GROWTH_LIMIT = 16 * 1024 * 1024


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def stream(port, start, more):
    """Sends `start`, then `more` again and again for a few seconds (or until the server stops
    listening); returns (bytes sent, what the server answered)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sent = 0
    try:
        sock.sendall(start)
        block = more * max(1, 64 * 1024 // len(more))
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline and sent < STREAM_BYTES:
            sock.sendall(block)
            sent += len(block)
    except OSError:
        pass  # the server answered and closed: what it said is read below
    answer = b""
    try:
        sock.settimeout(2)
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    sock.close()
    return sent, answer


class EndlessChunkFraming(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key_id = cls.kms.create_key()["KeyMetadata"]["KeyId"]

    def check_bounded(self, start, more):
        pid = self.server.proc.pid
        self.kms.encrypt(KeyId=self.key_id, Plaintext=b"warm")
        before = rss_bytes(pid)
        peak = [before]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], rss_bytes(pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            result = {}
            streamer = threading.Thread(target=lambda: result.update(
                zip(("sent", "answer"), stream(self.server.port, start, more))))
            streamer.start()
            time.sleep(0.5)
            # The server keeps serving while the stream goes on.
            t0 = time.monotonic()
            self.kms.encrypt(KeyId=self.key_id, Plaintext=b"meanwhile")
            self.assertLess(time.monotonic() - t0, 2.0)
            streamer.join()
        finally:
            done.set()
            watcher.join()
        self.assertLess(peak[0] - before, RSS_GROWTH_LIMIT,
                        f"RSS grew from {before} to {peak[0]} after {result['sent']} bytes")
        self.assertTrue(result["answer"].startswith(b"HTTP/1.1 431 "), result["answer"][:200])
        self.assertIn(b'"__type":"RequestEntityTooLargeException"', result["answer"])
        self.assertIn(b"Connection: close", result["answer"])
        self.kms.encrypt(KeyId=self.key_id, Plaintext=b"after")

    def test_endless_chunk_extension(self):
        self.check_bounded(CHUNKED_HEAD + b"1;e=", b"v" * 4096)

    def test_endless_trailer(self):
        self.check_bounded(CHUNKED_HEAD + b"0\r\n", b"X-a: b\r\n")


def idle_sockets(port, count):
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    time.sleep(0.3)  # let trentd accept them all
    return socks


def closed_by_server(sock):
    sock.settimeout(0.5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class ConnectionCap(harness.TrentdTestCase):
    CAP = 20
    trentd_args = ("--max-connections", str(CAP))

    def test_idle_sockets_beyond_the_cap(self):
        socks = idle_sockets(self.server.port, 3 * self.CAP)
        try:
            for _ in range(3):
                t0 = time.monotonic()
                key_id = self.kms.create_key()["KeyMetadata"]["KeyId"]
                self.kms.encrypt(KeyId=key_id, Plaintext=b"served")
                self.assertLess(time.monotonic() - t0, 2.0)
            # The longest idle made room; the most recent are still open.
            self.assertTrue(closed_by_server(socks[0]))
            self.assertFalse(closed_by_server(socks[-1]))
        finally:
            for s in socks:
                s.close()


def start_with_descriptor_limit(server, limit):
    """Starts trentd with RLIMIT_NOFILE lowered to `limit` (soft and hard) for it alone."""
    original = harness._die_with_parent

    def limited():
        original()
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    harness._die_with_parent = limited
    try:
        server.start()
    finally:
        harness._die_with_parent = original


class DescriptorLimit(unittest.TestCase):
    """trentd under a low descriptor limit: the default cap fits in it; an explicit cap that
    does not fit is refused at start in one line."""

    def test_idle_sockets_beyond_the_descriptor_limit(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds 400 sockets
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        server = harness.Trentd()
        self.addCleanup(server.close)
        start_with_descriptor_limit(server, 400)
        kms = server.client()
        socks = idle_sockets(server.port, 400)
        try:
            for _ in range(3):
                t0 = time.monotonic()
                key_id = kms.create_key()["KeyMetadata"]["KeyId"]
                kms.encrypt(KeyId=key_id, Plaintext=b"served")
                self.assertLess(time.monotonic() - t0, 2.0)
        finally:
            for s in socks:
                s.close()
        self.assertNotIn("accept failed", server.stderr())

    def test_a_cap_beyond_the_limit_is_refused(self):
        workdir = tempfile.mkdtemp(prefix="trent-it-")

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

        proc = subprocess.run(
            [harness.trentd_path(), "--listen", "127.0.0.1:0", "--data-dir",
             os.path.join(workdir, "data"), "--max-connections", "1000"],
            preexec_fn=limit, capture_output=True, text=True, timeout=30,
            env=harness.client_environment())
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("--max-connections 1000 needs 1256 file descriptors; the limit (ulimit -n) "
                      "is 300", proc.stderr)
        self.assertEqual(proc.stdout, "")


if __name__ == "__main__":
    harness.main()
