"""Link health: checking catalog links politely over HTTP and judging them over several days. No discord here.

The HTTP checker (``bot.links.checker``, which imports aiohttp) is not re-exported: importing it costs
a tenth of a second, which every command that only reads link verdicts would pay.
"""

from bot.links.hosts import HostGate, host_key
from bot.links.outcome import FAILED, MOVED, OK, OUTCOMES, SUSPICIOUS, UNKNOWN, CheckResult, Hop
from bot.links.reach import OFFLINE_MIN, HoldBack, answered, no_response
from bot.links.run import Checked, LinkTarget, RunSummary, check_links, link_targets, polite_order
from bot.links.verdict import NEEDS_ATTENTION, STRIKES, VERDICTS, classify, decide

__all__ = [
    "FAILED",
    "MOVED",
    "NEEDS_ATTENTION",
    "OFFLINE_MIN",
    "OK",
    "OUTCOMES",
    "STRIKES",
    "SUSPICIOUS",
    "UNKNOWN",
    "VERDICTS",
    "CheckResult",
    "Checked",
    "HoldBack",
    "Hop",
    "HostGate",
    "LinkTarget",
    "RunSummary",
    "answered",
    "check_links",
    "classify",
    "decide",
    "host_key",
    "link_targets",
    "no_response",
    "polite_order",
]
