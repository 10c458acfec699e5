"""The jobs resource: routes and schemas."""
