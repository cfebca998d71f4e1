"""Key rotation with boto3: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand and ListKeyRotations with their errors; ciphertexts of every key material
still decrypt (Decrypt names the material), ReEncrypt moves them to the current one; rotation
state survives a restart and a kill -9 in the middle of rotations; automatic rotation through the
test clock."""

import threading
import time
import unittest

import harness

DAY = 24 * 60 * 60


def setUpModule():
    import botocore.session
    operations = botocore.session.get_session().get_service_model("kms").operation_names
    if "RotateKeyOnDemand" not in operations or "ListKeyRotations" not in operations:
        # Debian 12's python3-boto3 (botocore 1.29) predates them: scripts/test picks a newer one.
        raise unittest.SkipTest("this botocore does not know RotateKeyOnDemand and "
                                "ListKeyRotations (botocore 1.34.90 or newer does)")


def rotations(kms, key_id, **kwargs):
    """Every entry of ListKeyRotations, following the markers."""
    out, marker = [], None
    while True:
        page = kms.list_key_rotations(KeyId=key_id, **kwargs, **({"Marker": marker} if marker else {}))
        out += page["Rotations"]
        if not page["Truncated"]:
            return out
        marker = page["NextMarker"]


class Rotation(harness.TrentdTestCase):

    def test_status_enable_disable(self):
        key = self.new_key()
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertEqual(status["KeyRotationEnabled"], False)
        self.assertEqual(status["KeyId"], key["Arn"])
        self.assertNotIn("NextRotationDate", status)
        self.assertNotIn("RotationPeriodInDays", status)
        self.assertNotIn("OnDemandRotationStartDate", status)

        before = time.time()
        self.kms.enable_key_rotation(KeyId=key["Arn"])
        status = self.kms.get_key_rotation_status(KeyId=key["Arn"])
        self.assertEqual(status["KeyRotationEnabled"], True)
        self.assertEqual(status["RotationPeriodInDays"], 365)
        first_next = status["NextRotationDate"].timestamp()
        self.assertAlmostEqual(first_next, before + 365 * DAY, delta=60)

        # A new period moves the next date, counted from the same start.
        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertEqual(status["RotationPeriodInDays"], 90)
        self.assertAlmostEqual(status["NextRotationDate"].timestamp(),
                               first_next - 275 * DAY, delta=1)

        self.kms.disable_key_rotation(KeyId=key["KeyId"])
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertEqual(status["KeyRotationEnabled"], False)
        self.assertNotIn("NextRotationDate", status)
        self.kms.disable_key_rotation(KeyId=key["KeyId"])  # again: no error

        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=2560)
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertEqual(status["RotationPeriodInDays"], 2560)
        self.assertAlmostEqual(status["NextRotationDate"].timestamp(),
                               time.time() + 2560 * DAY, delta=60)

    def test_rotation_period_range(self):
        key = self.new_key()
        for days, constraint in ((89, "greater than or equal to 90"),
                                 (2561, "less than or equal to 2560")):
            with self.subTest(days=days):
                self.assertAwsError("ValidationException", self.kms.enable_key_rotation,
                                    KeyId=key["KeyId"], RotationPeriodInDays=days,
                                    message_contains=constraint)
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"])

    def test_key_ids_only(self):
        key = self.new_key()
        self.kms.create_alias(AliasName="alias/rotation-ids", TargetKeyId=key["KeyId"])
        for op in (self.kms.enable_key_rotation, self.kms.disable_key_rotation,
                   self.kms.get_key_rotation_status, self.kms.rotate_key_on_demand,
                   self.kms.list_key_rotations):
            with self.subTest(op=op.__name__):
                self.assertAwsError("NotFoundException", op, KeyId="alias/rotation-ids",
                                    message="Invalid keyId 'alias/rotation-ids'")
                missing = "11111111-2222-3333-4444-555555555555"
                self.assertAwsError("NotFoundException", op, KeyId=missing,
                                    message_contains="does not exist")

    def test_disabled_and_pending_deletion_keys(self):
        key = self.new_key()
        self.kms.enable_key_rotation(KeyId=key["KeyId"])
        self.kms.disable_key(KeyId=key["KeyId"])
        for op in (self.kms.enable_key_rotation, self.kms.disable_key_rotation,
                   self.kms.rotate_key_on_demand):
            with self.subTest(op=op.__name__):
                self.assertAwsError("DisabledException", op, KeyId=key["KeyId"],
                                    message=f"{key['Arn']} is disabled.")
        # Reading works in every state; the setting is kept while the key is disabled.
        self.assertTrue(self.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"])
        self.assertEqual(rotations(self.kms, key["KeyId"]), [])

        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        for op in (self.kms.enable_key_rotation, self.kms.disable_key_rotation,
                   self.kms.rotate_key_on_demand):
            with self.subTest(op=op.__name__):
                self.assertAwsError("KMSInvalidStateException", op, KeyId=key["KeyId"],
                                    message=f"{key['Arn']} is pending deletion.")
        # AWS shows rotation off while the key is pending deletion, and restores it after.
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"])
        self.kms.cancel_key_deletion(KeyId=key["KeyId"])
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertEqual((status["KeyRotationEnabled"], status["RotationPeriodInDays"]), (True, 365))

    def test_aws_managed_key(self):
        md = self.kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
        self.assertEqual(md["KeyManager"], "AWS")
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertEqual((status["KeyRotationEnabled"], status["RotationPeriodInDays"]), (True, 365))
        self.assertAlmostEqual(status["NextRotationDate"].timestamp(),
                               md["CreationDate"].timestamp() + 365 * DAY, delta=1)
        for op, action in ((self.kms.enable_key_rotation, "kms:EnableKeyRotation"),
                           (self.kms.disable_key_rotation, "kms:DisableKeyRotation"),
                           (self.kms.rotate_key_on_demand, "kms:RotateKeyOnDemand")):
            with self.subTest(op=op.__name__):
                self.assertAwsError("AccessDeniedException", op, KeyId=md["KeyId"],
                                    message_contains=f"not authorized to perform: {action}")
        self.assertEqual(rotations(self.kms, md["KeyId"]), [])

    def test_on_demand_rotation_keeps_every_ciphertext(self):
        key = self.new_key()
        first_material = key["CurrentKeyMaterialId"]
        blobs = {}  # key material id -> ciphertext made with it
        materials = [first_material]
        for i in range(4):
            out = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=f"secret {i}".encode())
            blobs[materials[-1]] = (out["CiphertextBlob"], f"secret {i}".encode())
            self.assertEqual(self.kms.rotate_key_on_demand(KeyId=key["KeyId"])["KeyId"], key["Arn"])
            current = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
            self.assertNotIn(current, materials)
            materials.append(current)
            status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
            self.assertNotIn("OnDemandRotationStartDate", status)  # done when answered
            self.assertFalse(status["KeyRotationEnabled"])  # on-demand leaves automatic alone

        for material, (blob, plaintext) in blobs.items():
            out = self.kms.decrypt(CiphertextBlob=blob)
            self.assertEqual((out["Plaintext"], out["KeyMaterialId"]), (plaintext, material))
            moved = self.kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key["KeyId"])
            self.assertEqual(moved["SourceKeyMaterialId"], material)
            self.assertEqual(moved["DestinationKeyMaterialId"], materials[-1])
            out = self.kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])
            self.assertEqual((out["Plaintext"], out["KeyMaterialId"]), (plaintext, materials[-1]))

        listed = rotations(self.kms, key["KeyId"])
        self.assertEqual([r["KeyMaterialId"] for r in listed], materials[1:])
        self.assertEqual({r["RotationType"] for r in listed}, {"ON_DEMAND"})
        self.assertEqual([r["KeyMaterialState"] for r in listed], ["NON_CURRENT"] * 3 + ["CURRENT"])
        self.assertEqual({r["KeyId"] for r in listed}, {key["Arn"]})
        dates = [r["RotationDate"].timestamp() for r in listed]
        self.assertEqual(dates, sorted(dates))
        self.assertAlmostEqual(dates[-1], time.time(), delta=60)

        everything = rotations(self.kms, key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")
        self.assertEqual([r["KeyMaterialId"] for r in everything], materials)
        self.assertNotIn("RotationType", everything[0])
        self.assertEqual(everything[0]["KeyMaterialState"], "NON_CURRENT")

    def test_paging(self):
        key = self.new_key()
        for _ in range(5):
            self.kms.rotate_key_on_demand(KeyId=key["KeyId"])
        page = self.kms.list_key_rotations(KeyId=key["KeyId"], Limit=2)
        self.assertEqual((len(page["Rotations"]), page["Truncated"]), (2, True))
        pages = [page]
        while pages[-1]["Truncated"]:
            pages.append(self.kms.list_key_rotations(KeyId=key["KeyId"], Limit=2,
                                                     Marker=pages[-1]["NextMarker"]))
        self.assertEqual([len(p["Rotations"]) for p in pages], [2, 2, 1])
        self.assertNotIn("NextMarker", pages[-1])
        ids = [r["KeyMaterialId"] for p in pages for r in p["Rotations"]]
        self.assertEqual(ids, [r["KeyMaterialId"] for r in rotations(self.kms, key["KeyId"])])
        self.assertEqual(len(set(ids)), 5)
        # boto3's paginator follows the same markers.
        paged = [r["KeyMaterialId"]
                 for p in self.kms.get_paginator("list_key_rotations").paginate(
                     KeyId=key["KeyId"], PaginationConfig={"PageSize": 3})
                 for r in p["Rotations"]]
        self.assertEqual(paged, ids)
        self.assertAwsError("InvalidMarkerException", self.kms.list_key_rotations,
                            KeyId=key["KeyId"], Marker="not-a-marker")
        for limit in (0, 1001):
            with self.subTest(limit=limit):
                self.assertAwsError("ValidationException", self.kms.list_key_rotations,
                                    KeyId=key["KeyId"], Limit=limit)
        self.assertAwsError("ValidationException", self.kms.list_key_rotations,
                            KeyId=key["KeyId"], IncludeKeyMaterial="SOME")

    def test_on_demand_limit(self):
        key = self.new_key()
        for _ in range(25):
            self.kms.rotate_key_on_demand(KeyId=key["KeyId"])
        # AWS's text, recorded when its limit was 10.
        self.assertAwsError("LimitExceededException", self.kms.rotate_key_on_demand,
                            KeyId=key["KeyId"],
                            message="The on-demand rotations limit has been reached for the given "
                                    "keyId. No more on-demand rotations can be performed for this "
                                    f"key: {key['Arn']}")
        self.assertEqual(len(rotations(self.kms, key["KeyId"])), 25)
        # Automatic rotation is not limited by it.
        self.kms.enable_key_rotation(KeyId=key["KeyId"])


def without_metadata(answer):
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


class RotationSurvivesRestarts(harness.TrentdTestCase):
    """Each test restarts the shared trentd, which then listens on another port."""

    def setUp(self):
        self.kms = self.server.client()

    def test_graceful_restart(self):
        key = self.new_key()
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"old")["CiphertextBlob"]
        self.kms.rotate_key_on_demand(KeyId=key["KeyId"])
        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=100)
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        listed = rotations(self.kms, key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")

        self.server.stop()
        self.server.start()
        kms = self.server.client()
        self.assertEqual(without_metadata(kms.get_key_rotation_status(KeyId=key["KeyId"])),
                         without_metadata(status))
        self.assertEqual(rotations(kms, key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL"), listed)
        out = kms.decrypt(CiphertextBlob=blob)
        self.assertEqual((out["Plaintext"], out["KeyMaterialId"]), (b"old", key["CurrentKeyMaterialId"]))

    def test_kill_9_during_rotations(self):
        key = self.new_key()
        acked = []  # (ciphertext, plaintext), each made after an acknowledged rotation, in order
        stop = threading.Event()

        def rotate_and_encrypt(kms):
            i = 0
            while not stop.is_set():
                try:
                    kms.rotate_key_on_demand(KeyId=key["KeyId"])
                    plaintext = f"after rotation {i}".encode()
                    out = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)
                except Exception:
                    return  # the server is gone
                acked.append((out["CiphertextBlob"], plaintext))
                i += 1

        worker = threading.Thread(target=rotate_and_encrypt, args=(self.server.client(),))
        worker.start()
        deadline = time.monotonic() + 20
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.server.kill()
        stop.set()
        worker.join()
        self.assertGreaterEqual(len(acked), 5, "too few rotations before the kill")

        self.server.start()
        kms = self.server.client()
        listed = [r["KeyMaterialId"] for r in rotations(kms, key["KeyId"])]
        self.assertGreaterEqual(len(listed), len(acked))
        self.assertEqual(len(set(listed)), len(listed))
        seen = []
        for blob, plaintext in acked:
            out = kms.decrypt(CiphertextBlob=blob)
            self.assertEqual(out["Plaintext"], plaintext)
            self.assertIn(out["KeyMaterialId"], listed)
            seen.append(out["KeyMaterialId"])
        # Each acknowledged rotation made new material that later encryptions used.
        self.assertEqual(len(set(seen)), len(seen))
        self.assertEqual(seen, sorted(seen, key=listed.index))
        # The key works on: a rotation goes on from where the kill left it.
        kms.rotate_key_on_demand(KeyId=key["KeyId"])
        self.assertEqual(len(rotations(kms, key["KeyId"])), len(listed) + 1)


class AutomaticRotation(harness.TrentdTestCase):
    trentd_args = ("--test-clock",)

    def now(self):
        return self.server.clock()[0]

    def test_rotates_when_the_date_passes(self):
        key = self.new_key()
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
        next_date = self.kms.get_key_rotation_status(KeyId=key["KeyId"])["NextRotationDate"].timestamp()

        self.server.advance_clock(int(next_date - self.now()) - 60)
        self.assertEqual(rotations(self.kms, key["KeyId"]), [])
        self.server.advance_clock(120)
        listed = rotations(self.kms, key["KeyId"])
        self.assertEqual(len(listed), 1)
        self.assertEqual((listed[0]["RotationType"], listed[0]["KeyMaterialState"]),
                         ("AUTOMATIC", "CURRENT"))
        rotated_at = listed[0]["RotationDate"].timestamp()
        self.assertGreaterEqual(rotated_at, next_date)
        self.assertLess(rotated_at, self.now() + 1)
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertAlmostEqual(status["NextRotationDate"].timestamp(), rotated_at + 90 * DAY, delta=1)
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"],
                         listed[0]["KeyMaterialId"])
        out = self.kms.decrypt(CiphertextBlob=blob)
        self.assertEqual((out["Plaintext"], out["KeyMaterialId"]), (b"before", key["CurrentKeyMaterialId"]))
        out = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"after")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["KeyMaterialId"],
                         listed[0]["KeyMaterialId"])

        # Three periods at once: one rotation, the next date a period after it.
        self.server.advance_clock(3 * 90 * DAY)
        listed = rotations(self.kms, key["KeyId"])
        self.assertEqual([r["RotationType"] for r in listed], ["AUTOMATIC", "AUTOMATIC"])
        status = self.kms.get_key_rotation_status(KeyId=key["KeyId"])
        self.assertAlmostEqual(status["NextRotationDate"].timestamp(),
                               listed[1]["RotationDate"].timestamp() + 90 * DAY, delta=1)

    def test_disabled_key_rotates_when_enabled_again(self):
        key = self.new_key()
        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
        self.kms.disable_key(KeyId=key["KeyId"])
        self.server.advance_clock(100 * DAY)
        self.assertEqual(rotations(self.kms, key["KeyId"]), [])
        self.kms.enable_key(KeyId=key["KeyId"])
        self.server.advance_clock(0)  # the next sweep
        listed = rotations(self.kms, key["KeyId"])
        self.assertEqual([r["RotationType"] for r in listed], ["AUTOMATIC"])

    def test_rotation_turned_off_does_not_happen(self):
        key = self.new_key()
        self.kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=90)
        self.kms.disable_key_rotation(KeyId=key["KeyId"])
        self.server.advance_clock(100 * DAY)
        self.assertEqual(rotations(self.kms, key["KeyId"]), [])

    def test_aws_managed_key_rotates_yearly(self):
        md = self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        self.server.advance_clock(366 * DAY)
        listed = rotations(self.kms, md["KeyId"])
        self.assertEqual([r["RotationType"] for r in listed], ["AUTOMATIC"])


if __name__ == "__main__":
    harness.main()
