"""Run every benchmark: `python -m bench.run` (or `make bench`); `--quick` for a smaller smoke run."""

import argparse
import sys

from bench import enrol_rush, generate, search, workgroups

BENCHMARKS = {"generate": generate, "search": search, "enrol_rush": enrol_rush, "workgroups": workgroups}
QUICK_ARGS = {
    "generate": ["--citizens", "100000", "--programmes", "0", "--no-docs"],
    "search": ["--programmes", "20000", "--samples", "50"],
    "enrol_rush": ["--citizens", "400", "--seats", "40", "--in-flight", "40"],
    "workgroups": ["--results", "200", "--tasks", "300", "--samples", "50", "--no-docs"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="Run only this benchmark (may be repeated).")
    parser.add_argument("--quick", action="store_true",
                        help="Smaller sizes, results not written to docs/benchmarks.md.")
    args = parser.parse_args(argv)
    failed = []
    for name in args.only or sorted(BENCHMARKS):
        print(f"== {name}", flush=True)
        if BENCHMARKS[name].main(QUICK_ARGS[name] if args.quick else []) != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
