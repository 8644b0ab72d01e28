"""Front ends (CLI, Telegram) over one shared answering service."""
