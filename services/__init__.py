"""Parta's services: identity, directory, messaging, media and the gateway, on a shared runtime."""
