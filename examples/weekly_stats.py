#!/usr/bin/env python3
"""Pull an exercise's period report for the last 7 days of exercise time, as CSV.

    TIPDESK_TOKEN=... python examples/weekly_stats.py --url http://127.0.0.1:8000 --exercise EXERCISE_ID \\
        --out weekly.csv
    python examples/weekly_stats.py --user demo.analyst --exercise EXERCISE_ID   # asks for the password

The week ends at the exercise clock's "now" (exercise time, which may be simulated, paused or jumped), so the
report covers the same week the trainees lived through. The CSV has the columns docs/stats.md lists for the period
report: one row per unit and incident type, then the total. Runs from a checkout of tipdesk or where it is
installed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import timedelta
from pathlib import Path

try:
    from app.client import ProblemError, TipdeskClient
except ImportError:  # run from a checkout without tipdesk installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from app.client import ProblemError, TipdeskClient


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default=os.environ.get("TIPDESK_URL", "http://127.0.0.1:8000"), help="the server")
    parser.add_argument("--exercise", required=True, help="the exercise's id")
    parser.add_argument("--user", help="log in as this user (default: use the TIPDESK_TOKEN token)")
    parser.add_argument("--password", help="the user's password (default: TIPDESK_PASSWORD, else asked)")
    parser.add_argument("--days", type=float, default=7.0, help="length of the period, in days (default 7)")
    parser.add_argument("--out", default="-", help="CSV file to write (default: standard output)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    token = os.environ.get("TIPDESK_TOKEN")
    if args.user is None and not token:
        print("Give --user, or set TIPDESK_TOKEN to a login or API token.", file=sys.stderr)
        return 2
    with TipdeskClient(args.url, token=None if args.user else token) as tipdesk:
        try:
            if args.user:
                password = args.password or os.environ.get("TIPDESK_PASSWORD") or getpass.getpass()
                tipdesk.login(args.user, password)
            end = tipdesk.get_clock(args.exercise).now
            start = end - timedelta(days=args.days)
            text = tipdesk.stats_csv(args.exercise, "period-report", start=start, end=end)
            if args.user:
                tipdesk.logout()
        except ProblemError as exc:
            print(f"{exc.status} {exc.title}: {exc.detail or ''}", file=sys.stderr)
            return 1
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        print(f"Period report {start.isoformat()} to {end.isoformat()} written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
