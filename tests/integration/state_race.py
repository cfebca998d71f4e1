"""Conflicting key state changes from several boto3 threads at once, against a trentd serving
them on several threads: every acknowledged answer must agree with the final state (an
acknowledged ScheduleKeyDeletion is never undone by a concurrent EnableKey or DisableKey, it
succeeds once per key, and CancelKeyDeletion once per scheduled key), and the final states
survive a kill -9 and a restart."""

import random
import threading

from botocore.exceptions import ClientError

import harness

KEYS = 6
THREADS = 6
ROUNDS = 3
CALLS_PER_THREAD = 24


class StateRace(harness.TrentdTestCase):
    # Several network threads, so that the requests really run at the same time.
    trentd_args = ("--threads", "4")

    def race(self, calls):
        """Runs calls (fn, key id, kwargs) split over THREADS threads; returns, per key id, the
        list of (call name, answer) where the answer is the response or the AWS error code."""
        answers = {}
        lock = threading.Lock()
        clients = [self.server.client() for _ in range(THREADS)]

        def worker(n):
            for name, key_id, kwargs in calls[n::THREADS]:
                try:
                    answer = getattr(clients[n], name)(KeyId=key_id, **kwargs)
                except ClientError as e:
                    answer = e.response["Error"]["Code"]
                with lock:
                    answers.setdefault(key_id, []).append((name, answer))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return answers

    def states(self, client, keys):
        return {k: client.describe_key(KeyId=k)["KeyMetadata"] for k in keys}

    def test_acknowledged_changes_agree_with_the_final_state_across_a_restart(self):
        rng = random.Random(10)
        keys = [self.new_key()["KeyId"] for _ in range(KEYS)]
        for round_ in range(ROUNDS):
            # Enable, Disable and Schedule race; nothing may leave PendingDeletion.
            calls = []
            for _ in range(THREADS * CALLS_PER_THREAD):
                key_id = rng.choice(keys)
                name = rng.choice(["enable_key", "disable_key", "schedule_key_deletion"])
                kwargs = {"PendingWindowInDays": rng.randint(7, 30)} \
                    if name == "schedule_key_deletion" else {}
                calls.append((name, key_id, kwargs))
            answers = self.race(calls)
            final = self.states(self.kms, keys)
            for key_id in keys:
                scheduled = [a for n, a in answers.get(key_id, [])
                             if n == "schedule_key_deletion" and isinstance(a, dict)]
                refused = {a for n, a in answers.get(key_id, []) if isinstance(a, str)}
                md = final[key_id]
                self.assertLessEqual(refused, {"KMSInvalidStateException"})
                where = f"round {round_}, key {key_id}"
                self.assertLessEqual(len(scheduled), 1, f"{where}: scheduled twice")
                if scheduled:
                    self.assertEqual(md["KeyState"], "PendingDeletion",
                                     f"{where}: an acknowledged deletion was undone")
                    self.assertEqual(md["DeletionDate"], scheduled[0]["DeletionDate"])
                else:
                    self.assertIn(md["KeyState"], ("Enabled", "Disabled"))
                    self.assertNotIn("DeletionDate", md)

            # What was acknowledged is on disk: kill -9, restart, same states.
            self.server.kill()
            self.server.start()
            self.kms = self.server.client()
            self.assertEqual(self.states(self.kms, keys), final)

            # Cancels race each other: exactly one wins per scheduled key.
            pending = [k for k in keys if final[k]["KeyState"] == "PendingDeletion"]
            answers = self.race([("cancel_key_deletion", k, {}) for k in pending
                                 for _ in range(THREADS)])
            after = self.states(self.kms, keys)
            for key_id in pending:
                outcomes = [a for _, a in answers[key_id]]
                won = [a for a in outcomes if isinstance(a, dict)]
                self.assertEqual(len(won), 1, f"round {round_}: {key_id}: {outcomes}")
                self.assertEqual(outcomes.count("KMSInvalidStateException"), THREADS - 1)
                self.assertEqual(after[key_id]["KeyState"], "Disabled")
                self.assertNotIn("DeletionDate", after[key_id])


if __name__ == "__main__":
    harness.main()
