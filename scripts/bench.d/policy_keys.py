"""Keys for scripts/bench-policy.

Usage: policy_keys.py HOST:PORT
Creates two symmetric keys: one with the default key policy, one with a key policy of 20
statements with conditions, which the benchmark's Encrypt (the default account's root, with
BENCH_CONTEXT) passes only after evaluating them all; checks that both encrypt. Prints
"DEFAULT_KEY_ID POLICY_KEY_ID".
"""
import json
import os
import sys

from kms import call, connect

ACCOUNT = "111122223333"  # trentd's default account, whose root the benchmark's requests are


def twenty_statements(context):
    """18 Allow statements for other principals, each with conditions; a Deny whose conditions
    the request never meets (so they are evaluated on every request); and the statement that
    allows the root, under conditions the request meets."""
    statements = []
    for i in range(18):
        statements.append({
            "Sid": f"user{i}", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/user{i}"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": f"tenant{i}"},
                          "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        })
    statements.append({
        "Sid": "deny-other-contexts", "Effect": "Deny", "Principal": {"AWS": "*"},
        "Action": "kms:Encrypt", "Resource": "*",
        "Condition": {"StringNotEquals": {"kms:EncryptionContext:purpose": context["purpose"]},
                      "Null": {"kms:EncryptionContextKeys": "false"}},
    })
    statements.append({
        "Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(context)},
                      "StringEqualsIfExists": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}},
    })
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def main():
    conn = connect(sys.argv[1])
    context = json.loads(os.environ["BENCH_CONTEXT"])
    default_key = call(conn, "CreateKey", {})["KeyMetadata"]["KeyId"]
    # The lockout check cannot know the later PutKeyPolicy's encryption context: bypassed.
    policy_key = call(conn, "CreateKey", {"Policy": twenty_statements(context),
                                          "BypassPolicyLockoutSafetyCheck": True})
    policy_key = policy_key["KeyMetadata"]["KeyId"]
    for key in (default_key, policy_key):
        call(conn, "Encrypt", {"KeyId": key, "Plaintext": os.environ["BENCH_PLAINTEXT"],
                               "EncryptionContext": context})
    print(default_key, policy_key)


if __name__ == "__main__":
    main()
