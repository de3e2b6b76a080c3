"""The app's state database: progress events now; users, tokens and the audit log later."""
