"""The web page's routes, one module per page area."""
