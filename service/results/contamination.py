"""Contamination (SPEC §2 rule 10): days on or before a model's knowledge cutoff."""

from __future__ import annotations

from service.models_config import ModelsConfig


def cutoffs(config: ModelsConfig) -> dict[str, str]:
    """Each model's declared knowledge cutoff."""
    return {m.signature: m.knowledge_cutoff for m in config.models if m.knowledge_cutoff}


def is_contaminated(cutoff_by_model: dict[str, str], model: str, day: str) -> bool:
    """Whether the model may remember what happened on day."""
    cutoff = cutoff_by_model.get(model)
    return cutoff is not None and day <= cutoff
