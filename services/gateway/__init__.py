"""The gateway: Parta's only public entry — HTTP/JSON API, (later) WebSocket and the web client.
Thin by design: it turns HTTP into gRPC calls to the services and gRPC statuses into HTTP errors."""
