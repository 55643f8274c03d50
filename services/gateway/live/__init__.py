"""The live channel: one WebSocket per client, fed from NATS (`hub`, `users`), spoken in the frames
of `protocol`, served by `socket`."""
