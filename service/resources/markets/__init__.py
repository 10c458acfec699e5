"""The markets resource: routes and schemas."""
