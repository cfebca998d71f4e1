"""Runs a command against a fresh trentd: `with_trentd.py CMD ARGS...` starts trentd on a free
port with a temporary data dir, runs CMD with TRENT_ENDPOINT=http://127.0.0.1:<port> and dummy
AWS credentials in its environment, stops trentd and exits with CMD's exit code."""

import subprocess
import sys

import harness


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: with_trentd.py CMD [ARGS...]")
    server = harness.Trentd()
    try:
        server.start()
        env = harness.client_environment()
        env["TRENT_ENDPOINT"] = server.endpoint
        code = subprocess.call(sys.argv[1:], env=env)
        try:
            stop_code = server.stop()
        except RuntimeError as e:
            stop_code = str(e)
        if stop_code != 0:
            print(f"trentd stop on SIGTERM: {stop_code}; stderr:\n{server.stderr()}",
                  file=sys.stderr)
            code = code or 1
        elif code != 0:
            print(f"trentd stderr:\n{server.stderr()}", file=sys.stderr)
        return code
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
