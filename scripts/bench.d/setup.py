"""Prepare a KMS endpoint for scripts/bench, using only the standard library.

Usage: setup.py HOST:PORT
Creates one symmetric key, encrypts BENCH_PLAINTEXT under BENCH_CONTEXT, checks
that Decrypt gives the plaintext back, and prints "KEY_ID CIPHERTEXT_BLOB".
The headers (BENCH_AUTHORIZATION, BENCH_AMZ_DATE) are the ones wrk sends.
"""
import base64
import http.client
import json
import os
import sys


def call(conn, operation, body):
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "TrentService." + operation,
        "X-Amz-Date": os.environ["BENCH_AMZ_DATE"],
        "Authorization": os.environ["BENCH_AUTHORIZATION"],
    }
    conn.request("POST", "/", json.dumps(body), headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        sys.exit(f"setup: {operation} answered HTTP {response.status}: {data[:400]!r}")
    return json.loads(data)


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
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
