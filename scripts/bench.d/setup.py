"""Prepare a KMS endpoint for scripts/bench.

Usage: setup.py HOST:PORT
Creates one symmetric key, encrypts BENCH_PLAINTEXT under BENCH_CONTEXT, checks
that Decrypt gives the plaintext back; creates an ECC_NIST_P256 and an RSA_2048 signing key,
signs BENCH_MESSAGE with the first (ECDSA_SHA_256) for Verify, and an HMAC_256 key when the
server has them (else "-"). Prints
"KEY_ID CIPHERTEXT_BLOB ECC_KEY_ID RSA_KEY_ID ECC_SIGNATURE HMAC_KEY_ID".
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
    ecc_key = create_key(conn, "ECC_NIST_P256", "SIGN_VERIFY")
    rsa_key = create_key(conn, "RSA_2048", "SIGN_VERIFY")
    message = os.environ["BENCH_MESSAGE"]
    signature = call(conn, "Sign", {"KeyId": ecc_key, "Message": message,
                                    "SigningAlgorithm": "ECDSA_SHA_256"})["Signature"]
    verified = call(conn, "Verify", {"KeyId": ecc_key, "Message": message, "Signature": signature,
                                     "SigningAlgorithm": "ECDSA_SHA_256"})
    if not verified.get("SignatureValid"):
        sys.exit("setup: Verify refused the signature Sign made")
    hmac_key = create_key(conn, "HMAC_256", "GENERATE_VERIFY_MAC", optional=True)
    print(key_id, blob, ecc_key, rsa_key, signature, hmac_key or "-")


def create_key(conn, spec, usage, optional=False):
    """The id of a new key of `spec`; None when `optional` and the server cannot make one."""
    answer = call(conn, "CreateKey", {"KeySpec": spec, "KeyUsage": usage,
                                      "Description": "scripts/bench"}, may_fail=optional)
    return answer["KeyMetadata"]["KeyId"] if answer else None


if __name__ == "__main__":
    main()
