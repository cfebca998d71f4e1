"""The KMS calls of the benchmark helpers, with the headers wrk sends (standard library only)."""
import http.client
import json
import os
import sys


def connect(address):
    """An HTTP connection to HOST:PORT."""
    host, port = address.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=60)


def call(conn, operation, body, may_fail=False):
    """The decoded answer of a successful call; on an error, None when `may_fail`, else exits
    with the error."""
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
        if may_fail:
            return None
        sys.exit(f"{operation} answered HTTP {response.status}: {data[:400]!r}")
    return json.loads(data)
