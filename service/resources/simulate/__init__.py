"""The simulate resource: routes and schemas."""
