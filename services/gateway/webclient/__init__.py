"""The web client: plain ES modules, styles and the page in `static/` (no build step), and the
module that serves them (`serve`)."""
