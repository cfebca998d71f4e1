"""Runs aws CLI commands one after another in one process: the aws CLI's own code (its
clidriver, as the `aws` script runs it), without a new Python starting for every command.

harness.AwsCliTestCase uses it when its awscli is the one TRENT_AWS runs (the same aws-cli and
Python versions). Protocol, one JSON document a line:
  stdout, first: {"awscli": "1.45.11", "python": "3.11.7"}
  stdin:  ["kms", "create-key", ...]                  (the arguments after `aws`)
  stdout: {"returncode": 0, "stdout": "...", "stderr": "..."}
"""

import io
import json
import logging
import os
import platform
import sys
import traceback

# This directory holds a test named awscli.py: import the aws CLI's package, not it.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import awscli  # noqa: E402
from awscli.clidriver import create_clidriver  # noqa: E402


def logger_state():
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)]
    return {logger: (logger.level, list(logger.handlers)) for logger in loggers}


def restore_loggers(before):
    """--debug adds stream handlers bound to the captured stderr: undo what a command set up."""
    for logger in logger_state():
        level, handlers = before.get(logger, (logging.NOTSET, []))
        logger.setLevel(level)
        logger.handlers = handlers


def run(args):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", newline="")
    real_out, real_err = sys.stdout, sys.stderr
    loggers = logger_state()
    sys.stdout, sys.stderr = out, err
    try:
        # A new driver each time, as each `aws` process makes one: no state between commands.
        returncode = create_clidriver().main(args)
    except SystemExit as e:  # argparse's usage errors exit
        returncode = e.code if isinstance(e.code, int) else 255
    except Exception:  # the CLI reports its own errors; this is the driver's, shown to the test
        traceback.print_exc()
        returncode = 255
    finally:
        sys.stdout, sys.stderr = real_out, real_err
        restore_loggers(loggers)
    out.flush()
    err.flush()
    return {"returncode": returncode,
            "stdout": out.buffer.getvalue().decode("utf-8"),
            "stderr": err.buffer.getvalue().decode("utf-8", errors="replace")}


def main():
    print(json.dumps({"awscli": awscli.__version__, "python": platform.python_version()}),
          flush=True)
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
