"""Durability: kill -9 trentd while clients create keys and encrypt; after a restart on the same
data dir every acknowledged key describes and every acknowledged ciphertext decrypts. Also a
graceful SIGTERM restart, and the permissions of the generated PIN file."""

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import unittest

from botocore.exceptions import BotoCoreError, ClientError

import harness

WRITERS = 4
KILL_AFTER = 1.5


class Restart(unittest.TestCase):

    def setUp(self):
        self.server = harness.Trentd()
        self.addCleanup(self.server.close)
        self.server.start()

    def writer(self, client, n, acked, stop):
        """CreateKey, then Encrypt under it in a loop; records only what the server answered."""
        i = 0
        while not stop.is_set():
            try:
                key = client.create_key(Description=f"writer {n} key {i}")["KeyMetadata"]
                acked["keys"].append(key)
                for j in range(5):
                    context = {"writer": str(n), "i": str(i), "j": str(j)}
                    plaintext = os.urandom(16 + j) + f"{n}/{i}/{j}".encode()
                    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=plaintext,
                                          EncryptionContext=context)["CiphertextBlob"]
                    acked["blobs"].append((key, blob, plaintext, context))
            except (BotoCoreError, ClientError, OSError):
                # The server died under us: what was not acknowledged is not owed.
                return
            i += 1

    def verify(self, client, acked):
        for key in acked["keys"]:
            md = client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            self.assertEqual(md["Arn"], key["Arn"])
            self.assertEqual(md["Description"], key["Description"])
            self.assertEqual(md["KeyState"], "Enabled")
        for key, blob, plaintext, context in acked["blobs"]:
            out = client.decrypt(CiphertextBlob=blob, EncryptionContext=context)
            self.assertEqual(out["Plaintext"], plaintext)
            self.assertEqual(out["KeyId"], key["Arn"])
        listed = {k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]}
        self.assertTrue({k["KeyId"] for k in acked["keys"]} <= listed)

    def test_kill_9_during_writes(self):
        acked = {"keys": [], "blobs": []}
        stop = threading.Event()
        threads = [threading.Thread(target=self.writer, args=(self.server.client(), n, acked, stop))
                   for n in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(KILL_AFTER)
        self.server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertGreater(len(acked["keys"]), 0, "no key was acknowledged before the kill")
        self.assertGreater(len(acked["blobs"]), 0, "no ciphertext was acknowledged before the kill")
        print(f"\nkill -9 after {len(acked['keys'])} keys and {len(acked['blobs'])} ciphertexts "
              "were acknowledged", file=sys.stderr)

        self.server.start()
        client = self.server.client()
        self.verify(client, acked)
        # The restarted server also works for new keys.
        key = client.create_key()["KeyMetadata"]
        blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"after")["CiphertextBlob"]
        self.assertEqual(client.decrypt(CiphertextBlob=blob)["Plaintext"], b"after")

    def test_graceful_restart_keeps_everything(self):
        client = self.server.client()
        west = self.server.client(region="us-west-2")
        keys = [client.create_key(Description=f"k{i}")["KeyMetadata"] for i in range(3)]
        west_key = west.create_key()["KeyMetadata"]
        disabled, pending = keys[1], keys[2]
        blobs = [(k, client.encrypt(KeyId=k["KeyId"], Plaintext=k["KeyId"].encode())
                  ["CiphertextBlob"]) for k in keys]
        client.disable_key(KeyId=disabled["KeyId"])
        deletion = client.schedule_key_deletion(KeyId=pending["KeyId"], PendingWindowInDays=9)

        self.assertEqual(self.server.stop(), 0, "SIGTERM should exit 0")
        self.server.start()
        client = self.server.client()
        west = self.server.client(region="us-west-2")

        states = {k["KeyId"]: client.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in keys}
        self.assertEqual(states[keys[0]["KeyId"]]["KeyState"], "Enabled")
        self.assertEqual(states[disabled["KeyId"]]["KeyState"], "Disabled")
        self.assertEqual(states[pending["KeyId"]]["KeyState"], "PendingDeletion")
        self.assertEqual(states[pending["KeyId"]]["DeletionDate"], deletion["DeletionDate"])
        for k in keys:
            self.assertEqual(states[k["KeyId"]]["CreationDate"], k["CreationDate"])
            self.assertEqual(states[k["KeyId"]]["Description"], k["Description"])
        self.assertEqual(west.describe_key(KeyId=west_key["KeyId"])["KeyMetadata"]["Arn"],
                         west_key["Arn"])

        key0, blob0 = blobs[0]
        self.assertEqual(client.decrypt(CiphertextBlob=blob0)["Plaintext"], key0["KeyId"].encode())
        client.enable_key(KeyId=disabled["KeyId"])
        self.assertEqual(client.decrypt(CiphertextBlob=blobs[1][1])["Plaintext"],
                         disabled["KeyId"].encode())
        client.cancel_key_deletion(KeyId=pending["KeyId"])
        client.enable_key(KeyId=pending["KeyId"])
        self.assertEqual(client.decrypt(CiphertextBlob=blobs[2][1])["Plaintext"],
                         pending["KeyId"].encode())

    def test_pin_file_is_private(self):
        pin = os.path.join(self.server.data_dir, "pin")
        self.assertTrue(os.path.isfile(pin), f"no PIN file at {pin}")
        self.assertEqual(stat.S_IMODE(os.stat(pin).st_mode), 0o600)
        with open(pin, "rb") as f:
            self.assertGreaterEqual(len(f.read().strip()), 8, "PIN too short")
        # The PIN survives a restart unchanged and the token is reused.
        with open(pin, "rb") as f:
            before = f.read()
        key = self.server.client().create_key()["KeyMetadata"]
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        with open(pin, "rb") as f:
            self.assertEqual(f.read(), before)
        self.server.client().describe_key(KeyId=key["KeyId"])

    def environ(self):
        with open(f"/proc/{self.server.proc.pid}/environ", "rb") as f:
            return f.read().split(b"\0")

    def test_allocator(self):
        """trentd allocates with jemalloc (CMakeLists.txt), except in sanitizer builds."""
        with open(f"/proc/{self.server.proc.pid}/maps") as f:
            mapped = "libjemalloc" in f.read()
        self.assertEqual(mapped, os.environ["TRENT_ALLOCATOR"] == "jemalloc")

    def test_getpid_is_trentds(self):
        """trentd defines getpid and exports it (server/process/getpid_cache.cpp), so the
        PKCS#11 module inside it finds that one rather than glibc's system call."""
        symbols = subprocess.run(["nm", "-D", "--defined-only", os.environ["TRENTD"]],
                                 check=True, capture_output=True, text=True).stdout
        self.assertRegex(symbols, r"(?m) T getpid$")

    def test_large_database_starts_with_huge_page_heap(self):
        """trentd restarts itself once with MALLOC_CONF=thp:always,... when the key database is
        large (server/huge_page_heap.h), in the same process, and then serves as usual."""
        key = self.server.client().create_key()["KeyMetadata"]
        self.assertNotIn(b"MALLOC_CONF=thp:always,metadata_thp:always", self.environ())
        self.assertEqual(self.server.stop(), 0)
        # 17 MiB of rows trentd does not read make the file large without 30k keys.
        db = sqlite3.connect(os.path.join(self.server.data_dir, "trent.db"))
        db.execute("CREATE TABLE filler (x BLOB)")
        db.executemany("INSERT INTO filler VALUES (zeroblob(65536))", [()] * 272)
        db.commit()
        db.close()
        self.server.start()
        self.assertIn(b"MALLOC_CONF=thp:always,metadata_thp:always", self.environ())
        client = self.server.client()
        self.assertEqual(client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Arn"], key["Arn"])
        blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"huge")["CiphertextBlob"]
        self.assertEqual(client.decrypt(CiphertextBlob=blob)["Plaintext"], b"huge")


if __name__ == "__main__":
    harness.main()
