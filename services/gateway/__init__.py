"""The gateway: Parta's only public entry — the HTTP/JSON API (`http/`, one module per feature),
the live WebSocket channel (`live/`) and the web client (`webclient/`). Thin by design: it turns
HTTP into gRPC calls to the services and gRPC statuses into HTTP errors."""
