# Runs a Pulumi Python program for pulumi-language-python (main.go): configures
# the Python SDK from PyPI with the engine's monitor and settings, then runs the
# program's __main__.py (or the file named) inside the root stack. The engine's
# configuration reaches the SDK through PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS.
import argparse
import asyncio
import os
import runpy
import sys
import traceback

import pulumi
import pulumi.runtime
from pulumi.errors import RunError

# The exit code that tells the host the error was already reported to the engine.
ERROR_REPORTED = 32


def main() -> int:
    parser = argparse.ArgumentParser()
    # The flags of @pulumi/pulumi/cmd/run, as the host passes them to both (test/langhost RunFlags).
    for flag in ("project", "stack", "monitor", "engine", "organization", "root-directory", "pwd"):
        parser.add_argument(f"--{flag}")
    parser.add_argument("--parallel", type=int)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("PROGRAM")
    parser.add_argument("ARGS", nargs="*")
    args = parser.parse_args()

    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            project=args.project,
            stack=args.stack,
            monitor=args.monitor,
            engine=args.engine,
            parallel=args.parallel,
            dry_run=args.dry_run,
            organization=args.organization,
            root_directory=args.root_directory,
        )
    )
    if args.pwd:
        os.chdir(args.pwd)
    program = os.path.abspath(args.PROGRAM)
    sys.argv = [program, *args.ARGS]
    # The program's own modules import as they would with `python <program>`.
    sys.path.insert(0, program if os.path.isdir(program) else os.path.dirname(program))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
        return 0
    except RunError as e:
        pulumi.log.error(str(e))
        return ERROR_REPORTED
    except Exception:
        pulumi.log.error(f"Program failed with an unhandled exception:\n{traceback.format_exc()}")
        return ERROR_REPORTED
    finally:
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
