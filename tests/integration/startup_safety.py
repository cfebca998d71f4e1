"""Startup safety: trentd refuses, with one clear line and a non-zero exit, to start against a
token that does not hold the domain key its database's keys are wrapped under (a wrong
--token-label, a replaced token directory), to share its data dir with another trentd, and to
start with a wrong PIN; a refused start leaves the database as it was."""

import fcntl
import hashlib
import os
import shutil
import subprocess
import unittest

import harness

DB = "trent.db"


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class StartupSafety(unittest.TestCase):

    def setUp(self):
        self.server = harness.Trentd()
        self.addCleanup(self.server.close)
        self.server.start()
        kms = self.server.client()
        self.key = kms.create_key(Description="before")["KeyMetadata"]
        self.blob = kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"old secret")["CiphertextBlob"]
        self.assertEqual(self.server.stop(), 0)
        self.data = self.server.data_dir
        self.tokens = os.path.join(self.data, "softhsm", "tokens")

    def refused_line(self, *extra_args, data_dir=None):
        """Runs trentd on the data dir; it must exit non-zero with one line on stderr."""
        cmd = [harness.trentd_path(), "--listen", "127.0.0.1:0",
               "--data-dir", data_dir or self.data, *extra_args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                              env=harness.client_environment())
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout, "")
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, proc.stderr)
        return lines[0]

    def assert_refused_untouched(self, *extra_args, mentions=(), label="trent"):
        before = file_digest(os.path.join(self.data, DB))
        line = self.refused_line(*extra_args)
        for part in ((f"'{label}'",) if label else ()) + (self.data, *mentions):
            self.assertIn(part, line)
        self.assertEqual(file_digest(os.path.join(self.data, DB)), before,
                         "a refused start changed the database")
        return line

    def assert_old_key_works(self):
        self.server.start()
        kms = self.server.client()
        out = kms.decrypt(CiphertextBlob=self.blob)
        self.assertEqual(out["Plaintext"], b"old secret")
        self.assertEqual(out["KeyId"], self.key["Arn"])
        self.assertEqual(self.server.stop(), 0)

    def init_token(self, label, so_pin, pin):
        conf = os.path.join(self.data, "softhsm", "softhsm2.conf")
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                        "--so-pin", so_pin, "--pin", pin], check=True, capture_output=True,
                       env=dict(os.environ, SOFTHSM2_CONF=conf))

    def read(self, name):
        with open(os.path.join(self.data, name)) as f:
            return f.read().strip()

    def test_wrong_token_label(self):
        self.assert_refused_untouched("--token-label", "other", label="other",
                                      mentions=("no initialised token",))
        # Even once a token with that label exists: it holds no domain key, and none is made.
        self.init_token("other", self.read("so-pin"), self.read("pin"))
        self.assert_refused_untouched("--token-label", "other", label="other",
                                      mentions=("no domain wrapping key",))
        self.assert_old_key_works()

    def test_token_directory_removed_or_recreated(self):
        saved = os.path.join(self.server.workdir, "tokens.saved")
        shutil.move(self.tokens, saved)
        self.assert_refused_untouched(mentions=("token directory",))
        self.assertFalse(os.path.exists(self.tokens), "a refused start recreated the token dir")

        os.mkdir(self.tokens)
        self.assert_refused_untouched(mentions=("no initialised token",))
        self.assertEqual(os.listdir(self.tokens), [], "a refused start initialised a token")

        # The same label and PINs, as if re-initialised by hand: still not the keys' domain key.
        self.init_token("trent", self.read("so-pin"), self.read("pin"))
        self.assert_refused_untouched(mentions=("no domain wrapping key",))

        shutil.rmtree(self.tokens)
        shutil.move(saved, self.tokens)
        self.assert_old_key_works()

    def test_token_with_another_domain_key(self):
        # Another data dir with the same PINs gets a token 'trent' with its own domain key.
        other = harness.Trentd()
        self.addCleanup(other.close)
        os.makedirs(other.data_dir)
        for name in ("pin", "so-pin"):
            shutil.copy(os.path.join(self.data, name), other.data_dir)
        other.start()
        self.assertEqual(other.stop(), 0)

        saved = os.path.join(self.server.workdir, "tokens.saved")
        shutil.move(self.tokens, saved)
        shutil.copytree(os.path.join(other.data_dir, "softhsm", "tokens"), self.tokens)
        self.assert_refused_untouched(mentions=("is not the one",))

        shutil.rmtree(self.tokens)
        shutil.move(saved, self.tokens)
        self.assert_old_key_works()

    def test_lost_check_and_only_derived_keys_is_refused(self):
        # AES keys are derived, and a derivation succeeds under any domain key: they cannot
        # stand in for a lost check, so trentd refuses rather than trust the token.
        import sqlite3
        with sqlite3.connect(os.path.join(self.data, DB)) as db:
            db.execute("DELETE FROM server_meta WHERE name = 'domain_key_check'")
        db.close()
        self.assert_refused_untouched(mentions=("is not the one",))

    def test_database_from_before_the_check(self):
        # A database written before the check was recorded is tied to its token by its keys:
        # by wrapped material, as every key was then (today's AES keys are derived; an HMAC
        # key is still wrapped).
        import sqlite3
        self.server.start()
        self.server.client().create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        self.assertEqual(self.server.stop(), 0)
        with sqlite3.connect(os.path.join(self.data, DB)) as db:
            db.execute("DELETE FROM server_meta WHERE name = 'domain_key_check'")
        db.close()
        saved = os.path.join(self.server.workdir, "tokens.saved")
        shutil.move(self.tokens, saved)
        os.mkdir(self.tokens)
        self.init_token("trent", self.read("so-pin"), self.read("pin"))
        self.assert_refused_untouched(mentions=("no domain wrapping key",))
        shutil.rmtree(self.tokens)
        shutil.move(saved, self.tokens)
        self.assert_old_key_works()
        # That start recorded the check.
        with sqlite3.connect(os.path.join(self.data, DB)) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM server_meta WHERE name = 'domain_key_check'").fetchone()
        db.close()
        self.assertEqual(count, 1)

    def test_second_trentd_on_the_same_data_dir(self):
        self.server.start()
        line = self.refused_line()
        self.assertIn("another trentd is using data dir", line)
        self.assertIn(self.data, line)
        # The first one keeps serving.
        out = self.server.client().decrypt(CiphertextBlob=self.blob)
        self.assertEqual(out["Plaintext"], b"old secret")
        self.assertEqual(self.server.stop(), 0)

    def test_lock_is_taken_before_the_data_dir_is_touched(self):
        fresh = os.path.join(self.server.workdir, "fresh")
        os.makedirs(fresh)
        with open(os.path.join(fresh, "trentd.lock"), "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            line = self.refused_line(data_dir=fresh)
        self.assertIn("another trentd is using data dir", line)
        # No database, PIN files or token: the second trentd stopped at the lock.
        self.assertEqual(os.listdir(fresh), ["trentd.lock"])

    def test_wrong_pin(self):
        pin_path = os.path.join(self.data, "pin")
        right = self.read("pin")
        with open(pin_path, "w") as f:
            f.write("0" * len(right) + "\n")
        self.assert_refused_untouched(mentions=("wrong user PIN",))
        with open(pin_path, "w") as f:
            f.write(right + "\n")
        self.assert_old_key_works()

    def test_missing_pin_file(self):
        pin_path = os.path.join(self.data, "pin")
        saved = os.path.join(self.server.workdir, "pin.saved")
        shutil.move(pin_path, saved)
        # A new random PIN would never open the token: the file must not be recreated.
        self.assert_refused_untouched(mentions=(pin_path,), label=None)
        self.assertFalse(os.path.exists(pin_path))
        shutil.move(saved, pin_path)
        self.assert_old_key_works()


if __name__ == "__main__":
    harness.main()
