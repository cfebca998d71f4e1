"""The bounded cache of unwrapped key versions (--key-cache-size): with room for two versions
and many keys, every request misses or evicts, and everything still round-trips, from several
clients at once; a bad size is refused at startup."""

import os
import random
import subprocess
import threading
import unittest

import harness

KEYS = 40
CLIENTS = 4
ROUNDS = 60


class KeyCacheOfTwo(harness.TrentdTestCase):

    trentd_args = ("--key-cache-size", "2")

    def test_every_key_round_trips_while_the_cache_churns(self):
        keys = [self.new_key(Description=f"cache key {i}")["KeyId"] for i in range(KEYS)]
        failures = []
        blobs = []  # (key, blob, plaintext, context) from every client
        lock = threading.Lock()

        def client_loop(n):
            kms = self.server.client()
            rng = random.Random(n)
            try:
                for i in range(ROUNDS):
                    key = rng.choice(keys)
                    plaintext = os.urandom(rng.randrange(1, 64))
                    context = {"client": str(n), "i": str(i)}
                    blob = kms.encrypt(KeyId=key, Plaintext=plaintext,
                                       EncryptionContext=context)["CiphertextBlob"]
                    # Decrypt another key's ciphertext first, so that this one is evicted.
                    other = rng.choice(keys)
                    kms.encrypt(KeyId=other, Plaintext=b"x")
                    back = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
                    if back["Plaintext"] != plaintext or not back["KeyId"].endswith(key):
                        failures.append(f"client {n} round {i}: wrong answer for key {key}")
                    with lock:
                        blobs.append((key, blob, plaintext, context))
            except Exception as e:  # noqa: BLE001 - reported below with the client's number
                failures.append(f"client {n}: {e!r}")

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])

        # Every ciphertext still opens, each key visited in turn, long after it was evicted.
        self.assertEqual(len(blobs), CLIENTS * ROUNDS)
        for key, blob, plaintext, context in sorted(blobs, key=lambda b: b[0]):
            back = self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
            self.assertEqual(back["Plaintext"], plaintext)
        for key in keys:
            data_key = self.kms.generate_data_key(KeyId=key, KeySpec="AES_256")
            back = self.kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
            self.assertEqual(back["Plaintext"], data_key["Plaintext"])


class BadKeyCacheSize(unittest.TestCase):

    def test_zero_and_garbage_are_refused_with_the_flag_named(self):
        for value in ("0", "lots", "-5"):
            with self.subTest(value=value):
                proc = subprocess.run(
                    [harness.trentd_path(), "--key-cache-size", value, "--data-dir", os.devnull],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(proc.returncode, 2)
                self.assertIn("--key-cache-size must be a number from 1 to", proc.stderr)

    def test_the_environment_variable_is_read(self):
        proc = subprocess.run([harness.trentd_path(), "--data-dir", os.devnull],
                              env=dict(os.environ, TRENT_KEY_CACHE_SIZE="0"),
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--key-cache-size", proc.stderr)


if __name__ == "__main__":
    harness.main()
