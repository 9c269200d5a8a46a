"""The operations of `Inbox` (see `inboxsync.api`), one module per area as the CLI has them."""
