"""Link health: checking catalog links politely over HTTP and judging them over several days. No discord here."""

from bot.links.checker import USER_AGENT, LinkChecker
from bot.links.hosts import HostGate, host_key
from bot.links.outcome import FAILED, MOVED, OK, OUTCOMES, SUSPICIOUS, UNKNOWN, CheckResult, Hop
from bot.links.run import Checked, LinkTarget, RunSummary, check_links, link_targets, polite_order
from bot.links.verdict import NEEDS_ATTENTION, STRIKES, VERDICTS, classify, decide

__all__ = [
    "FAILED",
    "MOVED",
    "NEEDS_ATTENTION",
    "OK",
    "OUTCOMES",
    "STRIKES",
    "SUSPICIOUS",
    "UNKNOWN",
    "USER_AGENT",
    "VERDICTS",
    "CheckResult",
    "Checked",
    "Hop",
    "HostGate",
    "LinkChecker",
    "LinkTarget",
    "RunSummary",
    "check_links",
    "classify",
    "decide",
    "host_key",
    "link_targets",
    "polite_order",
]
