"""Prepare a KMS endpoint for scripts/bench.

Usage: setup.py HOST:PORT
Creates one symmetric key, encrypts BENCH_PLAINTEXT under BENCH_CONTEXT, checks
that Decrypt gives the plaintext back, and prints "KEY_ID CIPHERTEXT_BLOB".
"""
import base64
import json
import os
import sys

from kms import call, connect


def main():
    conn = connect(sys.argv[1])
    plaintext = os.environ["BENCH_PLAINTEXT"]
    context = json.loads(os.environ["BENCH_CONTEXT"])

    key_id = call(conn, "CreateKey", {"Description": "scripts/bench"})["KeyMetadata"]["KeyId"]
    blob = call(conn, "Encrypt", {"KeyId": key_id, "Plaintext": plaintext,
                                  "EncryptionContext": context})["CiphertextBlob"]
    back = call(conn, "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": context})
    if base64.b64decode(back["Plaintext"]) != base64.b64decode(plaintext):
        sys.exit("setup: Decrypt did not return the plaintext that was encrypted")
    print(key_id, blob)


if __name__ == "__main__":
    main()
