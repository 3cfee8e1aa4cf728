"""Staff work at scale: `madoguchi requests list` and the chat's /queue with 100,000 requests in
the database, beside the same with 100, in the same run.

    .venv/bin/python bench/staff_at_scale.py [--requests 100000] [--baseline 100] [--samples 30]

Each database holds copies of one real request (submitted through RequestQueue, then copied by
SQL, as months of use would leave them). `requests list` runs as a command (wall time and peak
resident memory, by /usr/bin/time): its default page of 1,000 and `--limit 0` for all. /queue is
sent by a staff member through Core.handle in one process (p50 and max over the samples, open
requests and `/queue all` alternated).
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bot.app import open_app  # noqa: E402
from bot.config import Config, load_config  # noqa: E402
from bot.messages import ConversationKey, Incoming  # noqa: E402
from shared import answering_for  # noqa: E402

STAFF = "1"


def build(folder: Path, count: int) -> tuple[Config, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "db.sqlite3"
    base = load_config(ROOT / "config.toml")
    config = dataclasses.replace(base, database=db, attachments_dir=folder / "attachments",
                                 staff_ids=frozenset({f"console:{STAFF}"}))

    async def first() -> None:
        async with open_app(config, answering=answering_for(config)) as app:
            await app.requests.submit(token="t0", kind="question", prefix="Q", lang="en",
                                      answers={"question": "Is the office open on Saturdays?",
                                               "email": "a@example.org"},
                                      requester=ConversationKey("console", "9", "9"))

    asyncio.run(first())
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(requests)") if r[1] not in ("id", "ref", "token")]
        names = ", ".join(columns)
        conn.executemany(f"INSERT INTO requests(ref, token, {names}) SELECT ?, ?, {names} FROM requests WHERE id=1",
                         [(f"Q-2026-{i:06d}", f"t{i}") for i in range(1, count)])
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "data/madoguchi.sqlite3"', f'url = "{db}"')
    text = text.replace('path = "knowledge"', f'path = "{ROOT / "knowledge"}"')
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config, path


def list_command(config_file: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak MiB) of one `madoguchi requests list`."""
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", str(ROOT / ".venv" / "bin" / "madoguchi"), "requests",
                           "list", *extra, "--config", str(config_file)], capture_output=True, text=True, check=True)
    return time.monotonic() - started, int(done.stderr.strip().splitlines()[-1]) / 1024


def queue_times(config: Config, samples: int) -> list[float]:
    async def main() -> list[float]:
        async with open_app(config, answering=answering_for(config)) as app:
            await app.core.handle(Incoming("console", STAFF, STAFF, text="/lang en"))
            times = []
            for i in range(samples):
                started = time.perf_counter()
                await app.core.handle(Incoming("console", STAFF, STAFF, text="/queue all" if i % 2 else "/queue"))
                times.append((time.perf_counter() - started) * 1000)
            return times

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {"baseline": args.baseline, "big": args.requests}
        built = {name: build(Path(tmp) / name, n) for name, n in sizes.items()}
        print(f"{'':<9} {'requests':>9} {'list s':>8} {'list MiB':>9} {'list all s':>11} {'all MiB':>8} "
              f"{'/queue p50 ms':>14} {'max ms':>7}")
        for name, (config, path) in built.items():
            page_s, page_mib = list_command(path)
            all_s, all_mib = list_command(path, "--limit", "0")
            times = queue_times(config, args.samples)
            print(f"{name:<9} {sizes[name]:>9,} {page_s:>8.2f} {page_mib:>9.0f} {all_s:>11.2f} {all_mib:>8.0f} "
                  f"{statistics.median(times):>14.1f} {max(times):>7.1f}")


if __name__ == "__main__":
    main()
