"""`python -m inboxsync` runs the CLI."""

from inboxsync.cli import main

# Guarded: the parser's worker processes import the main module again.
if __name__ == "__main__":
    main()
