"""Runs a command against a fresh trentd: `with_trentd.py [TRENTD FLAGS] CMD ARGS...` starts
trentd on a free port with a temporary data dir, runs CMD with
TRENT_ENDPOINT=http://127.0.0.1:<port> and dummy AWS credentials in its environment, stops
trentd and exits with CMD's exit code. TRENTD FLAGS: --credentials-file PATH and --auth MODE,
passed to trentd."""

import subprocess
import sys

import harness


def main():
    args = sys.argv[1:]
    trentd_args = []
    while len(args) >= 2 and args[0] in ("--credentials-file", "--auth"):
        trentd_args += args[:2]
        args = args[2:]
    if not args:
        sys.exit("usage: with_trentd.py [--credentials-file PATH] [--auth MODE] CMD [ARGS...]")
    server = harness.Trentd(trentd_args)
    try:
        server.start()
        env = harness.client_environment()
        env["TRENT_ENDPOINT"] = server.endpoint
        code = subprocess.call(args, env=env)
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
