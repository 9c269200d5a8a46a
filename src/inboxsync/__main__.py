"""`python -m inboxsync` runs the CLI."""

from inboxsync.cli import main

main()
