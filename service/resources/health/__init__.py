"""The health resource: routes and schemas."""
