"""The aws CLI (TRENT_AWS) against trentd: enable-key-rotation, get-key-rotation-status,
rotate-key-on-demand, list-key-rotations (with its automatic paging), disable-key-rotation, and
decrypt of ciphertexts made before each rotation."""

import base64
import unittest

import harness


class AwsCliRotation(harness.AwsCliTestCase):

    @classmethod
    def setUpClass(cls):
        if not cls.aws_knows("list-key-rotations"):
            # aws-cli 2.9 (Debian 12) predates on-demand rotation; aws-cli 1.33+ or 2.17+ has it.
            raise unittest.SkipTest(f"{cls.aws_path} does not know list-key-rotations")
        super().setUpClass()

    def encrypt(self, key_id, plaintext):
        path = self.write("plain.bin", plaintext)
        return self.aws("encrypt", "--key-id", key_id, "--plaintext", "fileb://" + path)

    def decrypt(self, blob_b64):
        path = self.write("blob.bin", base64.b64decode(blob_b64))
        return self.aws("decrypt", "--ciphertext-blob", "fileb://" + path)

    def test_rotation(self):
        key = self.aws("create-key")["KeyMetadata"]
        status = self.aws("get-key-rotation-status", "--key-id", key["KeyId"])
        self.assertEqual((status["KeyRotationEnabled"], status["KeyId"]), (False, key["Arn"]))
        self.assertEqual(self.aws("enable-key-rotation", "--key-id", key["KeyId"],
                                  "--rotation-period-in-days", "180"), {})
        status = self.aws("get-key-rotation-status", "--key-id", key["Arn"])
        self.assertEqual((status["KeyRotationEnabled"], status["RotationPeriodInDays"]),
                         (True, 180))
        self.assertIn("NextRotationDate", status)

        blobs = []
        for i in range(4):
            enc = self.encrypt(key["KeyId"], f"cli {i}".encode())
            blobs.append((enc["CiphertextBlob"], f"cli {i}".encode(), enc.get("KeyMaterialId")))
            self.assertEqual(self.aws("rotate-key-on-demand", "--key-id", key["KeyId"]),
                             {"KeyId": key["Arn"]})
        # The CLI follows NextMarker itself: pages of one give the whole list.
        listed = self.aws("list-key-rotations", "--key-id", key["KeyId"], "--page-size", "1")
        rotations = listed["Rotations"]
        self.assertEqual(len(rotations), 4)
        self.assertEqual([r["RotationType"] for r in rotations], ["ON_DEMAND"] * 4)
        self.assertEqual([r["KeyMaterialState"] for r in rotations],
                         ["NON_CURRENT"] * 3 + ["CURRENT"])
        everything = self.aws("list-key-rotations", "--key-id", key["KeyId"],
                              "--include-key-material", "ALL_KEY_MATERIAL")["Rotations"]
        materials = [r["KeyMaterialId"] for r in everything]
        self.assertEqual(materials[0], key["CurrentKeyMaterialId"])
        self.assertEqual(materials[1:], [r["KeyMaterialId"] for r in rotations])
        for i, (blob, plaintext, _) in enumerate(blobs):
            dec = self.decrypt(blob)
            self.assertEqual(base64.b64decode(dec["Plaintext"]), plaintext)
            self.assertEqual(dec["KeyMaterialId"], materials[i])

        self.assertEqual(self.aws("disable-key-rotation", "--key-id", key["KeyId"]), {})
        status = self.aws("get-key-rotation-status", "--key-id", key["KeyId"])
        self.assertEqual(status["KeyRotationEnabled"], False)
        self.assertNotIn("NextRotationDate", status)

    def test_errors(self):
        key = self.aws("create-key")["KeyMetadata"]
        self.aws("disable-key", "--key-id", key["KeyId"])
        err = self.aws("rotate-key-on-demand", "--key-id", key["KeyId"], expect_ok=False)
        self.assertIn("DisabledException", err)
        err = self.aws("list-key-rotations", "--key-id", key["KeyId"], "--starting-token",
                       "bogus", expect_ok=False)
        self.assertIn("InvalidMarkerException", err)
        err = self.aws("rotate-key-on-demand", "--key-id", "alias/aws/s3", expect_ok=False)
        self.assertIn("NotFoundException", err)


if __name__ == "__main__":
    harness.main()
