"""The results resource: routes and schemas."""
