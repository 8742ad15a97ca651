"""Every user-facing limit, in one place: each front-end (Discord option ranges, CLI help and
validation, the console) and the store read these, so a cap is changed once.

Values are characters unless named otherwise.
"""

from __future__ import annotations

# A question: what is searched, shown, logged and kept for votes. Discord's /ask refuses longer input
# as it is typed; elsewhere (mentions, the CLI, the console) a longer question is shortened to this with
# an ellipsis. A message in a listening channel longer than this is conversation, not a question.
# 250 fits an embed's author line (256), which carries the question for the More button.
QUESTION_MAX = 250

# A suggestion.
URL_MAX = 2048  # the longest address accepted
TITLE_MIN, TITLE_MAX = 3, 200
TAGS_TEXT_MAX = 300  # a typed, comma-separated tag list
TAGS_MAX = 5  # tags on one suggestion or catalog entry
SLUG_MAX = 64  # a catalog id (an approved suggestion's is made from its title)
NOTE_MAX = 1000
REASON_MIN, REASON_MAX = 3, 500  # a moderator's reason for a rejection (the submitter is told)
NAME_MAX = 100  # a user, moderator or server name or id as stored

# The catalog (curated entries: errors and warnings of `vizbot catalog check`).
DESCRIPTION_LONG = 500  # a longer description gets a warning: keep it to one or two sentences

# Browsing.
TAG_NAME_MAX = 100  # a tag name typed to /tag

# Rates and periods (the settings' defaults; VIZBOT_* variables override them).
SUGGESTIONS_PER_HOUR = 5
QUESTION_COOLDOWN_SECONDS = 5
LOG_RETENTION_DAYS = 90
REPORT_DAYS_MAX = 3650
COOLDOWN_MAX = 3600  # seconds: the longest per-server question cooldown
ANSWER_CHANNELS_MAX = 25  # channels one server may name for answering mentions (/settings)
REPORT_DAYS_DEFAULT = 30
