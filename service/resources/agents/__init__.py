"""The agents resource: pull agents' sessions and the observation's schema."""
