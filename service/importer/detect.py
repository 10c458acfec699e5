"""Which market an AI-Trader run traded on, told by the symbols of its position file."""

from __future__ import annotations

from service.importer.jsonl import AgentDataError
from service.importer.reader import AgentData, PositionLine
from service.market.directory import Markets

# A list of missing symbols is cut after this many in a message.
SHOWN_SYMBOLS = 5


def symbols_of(lines: list[PositionLine]) -> set[str]:
    """Every symbol the lines trade or hold (AI-Trader also lists symbols held 0 times: those
    say which universe its prompt had, not what the run did, so they are not counted)."""
    traded = {line.symbol for line in lines if line.symbol is not None}
    return traded | {symbol for line in lines for symbol in line.shares}


def _shown(symbols: list[str]) -> str:
    more = len(symbols) - SHOWN_SYMBOLS
    return ", ".join(symbols[:SHOWN_SYMBOLS]) + (f" and {more} more" if more > 0 else "")


def detect_market(data: AgentData, markets: Markets) -> str:
    """The one market of the run's bar form (days or bars) whose universe holds every symbol the
    run traded or held; AgentDataError naming the position file when none or several do."""
    where = data.position_file
    symbols = symbols_of(data.positions)
    if not symbols:
        raise AgentDataError(
            f"{where}: no symbol is traded or held, so the market cannot be told; "
            "name it with --market"
        )
    # Daily runs date their lines by day, intraday ones by bar: only markets of that form fit.
    missing = {
        source.rules.name: sorted(symbols - set(source.prices().symbols))
        for source in markets
        if source.rules.intraday == data.intraday
    }
    if not missing:
        form = "bar (an intraday run)" if data.intraday else "day"
        raise AgentDataError(
            f"{where}: the lines are dated by {form}, and no market of that form is known; "
            "name the market with --market"
        )
    fitting = [name for name, lacking in missing.items() if not lacking]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        raise AgentDataError(
            f"{where}: every symbol traded or held ({_shown(sorted(symbols))}) is in the "
            f"universe of {' and '.join(fitting)}; name the market with --market"
        )
    closest = min(missing, key=lambda name: len(missing[name]))
    raise AgentDataError(
        f"{where}: no market's universe holds every symbol traded or held (the closest, "
        f"{closest}, lacks {_shown(missing[closest])}); name the market with --market"
    )
