"""The public HTTP API, one module per feature: its router with its request and response bodies (the
OpenAPI schemas); `common_models` holds the bodies and conversions several features share."""
