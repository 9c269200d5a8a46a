"""The child side of bench/api.py's commit → webhook section: imports small Maildirs through
the pipeline at a steady rate, as `inboxsync import --async` would with the inline backend
(the follow-up jobs, webhook delivery among them, run in this process's thread pool).

    python bench/_api_feeder.py --child '{"url": …, "company": …, "warmup": DIR,
                                          "maildirs": [DIR, …], "interval": 0.5}'

It reports `warm_seq`, the company's last event once the warm-up import is done.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from _common import report_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", required=True, help="the task, as JSON")
    report_result(_feed(json.loads(parser.parse_args().child)))


def _feed(task: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import select

    from inboxsync.api import Inbox
    from inboxsync.config import Settings
    from inboxsync.db.models import Company
    from inboxsync.jobs.follow_up import close_queues, get_queue

    inbox = Inbox(Settings(db=task["url"]))
    # A first import, waited for, loads the classifier's model and warms the connections.
    inbox.import_path(task["company"], Path(task["warmup"]), wait=True)
    with inbox.sessions() as session:
        warm_seq = session.scalar(
            select(Company.last_event_seq).where(Company.name == task["company"])
        )
    started = time.perf_counter()
    late = 0.0  # how far behind the schedule an import started, at worst
    new = 0
    for n, path in enumerate(task["maildirs"]):
        due = started + n * task["interval"]
        late = max(late, time.perf_counter() - due)
        time.sleep(max(0.0, due - time.perf_counter()))
        new += inbox.import_path(task["company"], Path(path), wait=False).new_messages
    # As a long-running process would, let every job and the jobs it queues finish (close
    # alone drops what running jobs queue: the last classification's delivery).
    get_queue(inbox.settings, inbox.sessions).join(timeout=120)
    close_queues()
    inbox.close()
    return {
        "imports": len(task["maildirs"]),
        "new_messages": new,
        "seconds": time.perf_counter() - started,
        "worst_lateness_s": late,
        "warm_seq": warm_seq,
    }


if __name__ == "__main__":
    main()
