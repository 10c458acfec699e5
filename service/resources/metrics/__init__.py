"""The metrics resource: routes and schemas."""
