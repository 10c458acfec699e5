"""Command-line pieces shared by the commands in bin/."""

from __future__ import annotations

import argparse
from pathlib import Path


def comma_list(text: str) -> list[str]:
    """`a, b,,c` as ["a", "b", "c"]."""
    return [part.strip() for part in text.split(",") if part.strip()]


def add_models_option(parser: argparse.ArgumentParser, default_text: str) -> None:
    """--models a,b (parsed to a list; empty means the default)."""
    parser.add_argument(
        "--models",
        type=comma_list,
        default=[],
        help=f"comma-separated signatures (default: {default_text})",
    )


def agent_data_parser(
    prog: str, description: str, epilog: str, dir_help: str, models_default: str
) -> argparse.ArgumentParser:
    """The parser of a command over an AI-Trader agent_data directory."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help=dir_help)
    add_models_option(parser, models_default)
    return parser
