"""The models resource: routes and schemas."""
