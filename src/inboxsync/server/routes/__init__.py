"""The `/v1` routes, one module per resource, each route a few lines over one Inbox method."""
