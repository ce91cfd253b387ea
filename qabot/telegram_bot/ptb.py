"""Every name the adapter uses from python-telegram-bot: its one importer.

The other modules of :mod:`qabot.telegram_bot` import these from here, so an upgrade of
python-telegram-bot that renames or moves one of them touches this file only.
"""

from telegram import (
    Bot,
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, MessageEntityType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

__all__ = [
    "Application", "ApplicationBuilder", "ApplicationHandlerStop", "BadRequest", "Bot",
    "BotCommand", "CallbackQueryHandler", "Chat", "ChatAction", "ChatMemberHandler",
    "ChatMemberStatus", "CommandHandler", "ContextTypes", "Defaults", "HTTPXRequest",
    "InlineKeyboardButton", "InlineKeyboardMarkup", "InlineQueryHandler",
    "InlineQueryResultArticle", "InputTextMessageContent", "InvalidToken", "LinkPreviewOptions",
    "Message", "MessageEntityType", "MessageHandler", "MessageOriginChannel",
    "MessageOriginChat", "MessageOriginHiddenUser", "MessageOriginUser", "NetworkError",
    "ParseMode", "RetryAfter", "TelegramError", "TypeHandler", "Update", "filters",
]  # fmt: skip
