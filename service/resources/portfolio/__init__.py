"""The portfolio resource: routes and schemas."""
