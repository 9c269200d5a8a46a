"""`inboxsync demo`: what `make demo` runs, ending with how to open the demo's web page."""

from __future__ import annotations

import re
from pathlib import Path

from inboxsync import Inbox, Settings
from inboxsync.demo import SAMPLE_COMPANIES
from inboxsync.demo.run import DEMO_PASSWORD
from tests.support.cli import invoke, ok


def test_demo_ends_with_the_web_page_and_a_user_who_can_sign_in(tmp_path: Path) -> None:
    output = ok(invoke("demo", "--dir", str(tmp_path), env={"INBOXSYNC_AI_LOCAL_MODEL": "hashing"}))
    database, serve, sign_in = output.strip().splitlines()[-3:]
    assert database == f"Database: {tmp_path / 'demo.db'}"
    command = re.fullmatch(r"Web page: (inboxsync --db (\S+) serve), then (http://\S+/)", serve)
    assert command and command.group(3) == "http://127.0.0.1:8000/", serve
    users = re.fullmatch(rf"Sign in as (\S+) or (\S+), password {DEMO_PASSWORD}", sign_in)
    assert users, sign_in
    inbox = Inbox(Settings(db=command.group(2)))
    try:
        signed_in = [inbox.sign_in(user, DEMO_PASSWORD) for user in users.groups()]
    finally:
        inbox.close()
    assert [user.company for user in signed_in] == [c.name for c in SAMPLE_COMPANIES]
    assert all(user.role == "admin" for user in signed_in)
