"""The key quota through trentd: --key-quota (and TRENT_KEY_QUOTA) caps the keys of an account
per region, whatever their state, with AWS's LimitExceededException."""

import os

import harness

FULL = "Key quota for this account in this region is 2 but the current usage is 2."


class KeyQuota(harness.TrentdTestCase):
    trentd_args = ("--key-quota", "2")

    def test_create_beyond_the_quota_is_refused_per_account_and_region(self):
        first = self.new_key()
        self.new_key()
        self.assertAwsError("LimitExceededException", self.kms.create_key, message=FULL)
        # Another region has its own count.
        self.new_key(self.server.client(region="eu-west-1"))
        # A key pending deletion still counts.
        self.kms.schedule_key_deletion(KeyId=first["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("LimitExceededException", self.kms.create_key, message=FULL)


class KeyQuotaFromEnvironment(harness.TrentdTestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["TRENT_KEY_QUOTA"] = "2"
        try:
            super().setUpClass()
        finally:
            del os.environ["TRENT_KEY_QUOTA"]

    def test_the_environment_sets_the_quota(self):
        self.new_key()
        self.new_key()
        self.assertAwsError("LimitExceededException", self.kms.create_key, message=FULL)


if __name__ == "__main__":
    harness.main()
