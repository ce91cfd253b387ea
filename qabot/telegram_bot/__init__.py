"""The Telegram adapter: python-telegram-bot is used here only, imported by :mod:`.ptb`.

Split by concern: :mod:`.app` builds and runs the Application (Defaults, arbitrary
callback data, handlers by filter and pattern); :mod:`.handlers` turns updates into
library calls and rendered messages; :mod:`.keyboards` holds the buttons' values;
:mod:`.policies` the rate limits and admin rights; :mod:`.state` what handlers share;
:mod:`.transport` retries, readable updates and token redaction; :mod:`.channels` followed
channels' and groups' posts saved as articles and indexed (/follow, /unfollow, /forget);
:mod:`.votes` the 👍 / 👎 buttons under answers and admins' /correct; :mod:`.startup` the
checks before serving (token, Bot API address, webhook secret); :mod:`.webhook` the webhook
server (the one tornado importer, loaded only in webhook mode); :mod:`.ptb` every name
they use from python-telegram-bot, its one importer; :mod:`.texts` what the bot says besides
answers (help, usage hints, alerts, command replies). Answers and passages are rendered by
:mod:`qabot.render`; questions go through :class:`qabot.session.Session`.
"""

from qabot.telegram_bot.app import build_application, run_bot
from qabot.telegram_bot.policies import RateLimiter
from qabot.telegram_bot.transport import protect_token_in_logs

__all__ = ["RateLimiter", "build_application", "protect_token_in_logs", "run_bot"]
