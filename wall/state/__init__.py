"""The app's state database (SQLite, or PostgreSQL for several wall hosts): its connection and
migrations, users, screen tokens, sessions and the audit chain, progress events, the alert log.

May import: wall.core only.
"""

from wall.state.db import StateDatabaseError, StateDB, connect

__all__ = ["StateDB", "StateDatabaseError", "connect"]
