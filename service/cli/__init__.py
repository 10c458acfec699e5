"""Command-line entry points behind the bin/ scripts."""
