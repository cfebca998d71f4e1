"""The aws CLI (TRENT_AWS) on key policies: get-key-policy of a new key (the default policy,
and --output text, which prints the policy itself), put-key-policy from a file:// argument,
list-key-policies, the lockout safety check and its bypass flag, and a wrong policy name."""

import json

import harness

ROOT = "arn:aws:iam::111122223333:root"
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."


class AwsCliKeyPolicy(harness.AwsCliTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Older CLIs (Debian 12's awscli 2.9) require --policy-name and drop PolicyName from
        # answers; newer ones leave it optional, "default" when absent.
        cls.policy_name_optional = "[--policy-name" in cls.aws_help("get-key-policy")
        cls.policy_name = [] if cls.policy_name_optional else ["--policy-name", "default"]

    def test_get_put_list(self):
        key = self.aws("create-key")["KeyMetadata"]["KeyId"]
        out = self.aws("get-key-policy", "--key-id", key, "--policy-name", "default")
        self.assertEqual(json.loads(out["Policy"])["Id"], "key-default-1")
        if self.policy_name_optional:
            self.assertEqual(out["PolicyName"], "default")
        text = self.run_aws(["get-key-policy", "--key-id", key, *self.policy_name, "--query",
                             "Policy", "--output", "text"])
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertEqual(json.loads(text.stdout)["Statement"][0]["Principal"], {"AWS": ROOT})

        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "root", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
            "Resource": "*"}]}, indent=2)
        path = self.write("policy.json", policy.encode())
        self.aws("put-key-policy", "--key-id", key, "--policy-name", "default",
                 "--policy", "file://" + path)
        self.assertEqual(self.aws("get-key-policy", "--key-id", key, *self.policy_name)["Policy"],
                         policy)
        self.assertEqual(self.aws("list-key-policies", "--key-id", key)["PolicyNames"],
                         ["default"])

    def test_lockout_check_and_bypass(self):
        key = self.aws("create-key")["KeyMetadata"]["KeyId"]
        read_only = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": ["kms:Get*", "kms:Describe*"],
            "Resource": "*"}]})
        err = self.aws("put-key-policy", "--key-id", key, *self.policy_name, "--policy", read_only,
                       expect_ok=False)
        self.assertIn("(MalformedPolicyDocumentException)", err)
        self.assertIn(LOCKOUT, err)
        self.aws("put-key-policy", "--key-id", key, *self.policy_name, "--policy", read_only,
                 "--bypass-policy-lockout-safety-check")
        self.assertEqual(
            self.aws("get-key-policy", "--key-id", key, *self.policy_name)["Policy"], read_only)
        err = self.aws("create-key", "--policy", read_only, expect_ok=False)
        self.assertIn(LOCKOUT, err)

    def test_wrong_policy_name(self):
        key = self.aws("create-key")["KeyMetadata"]["KeyId"]
        err = self.aws("get-key-policy", "--key-id", key, "--policy-name", "other",
                       expect_ok=False)
        self.assertIn("(NotFoundException)", err)


if __name__ == "__main__":
    harness.main()
