"""Storage (aiosqlite): migrations, suggestions and moderation, feedback, the questions log. No discord here."""

from bot.store.records import (
    AuditEntry,
    ForgetReport,
    Gap,
    Report,
    ServerCount,
    ServerSettings,
    Suggestion,
    SuggestionDraft,
    SuggestionOutcome,
    TopicCount,
    VoteTally,
)
from bot.store.store import Store

__all__ = [
    "AuditEntry",
    "ForgetReport",
    "Gap",
    "Report",
    "ServerCount",
    "ServerSettings",
    "Store",
    "Suggestion",
    "SuggestionDraft",
    "SuggestionOutcome",
    "TopicCount",
    "VoteTally",
]
