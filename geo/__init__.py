"""Guangdong's geography: its 21 prefecture-level cities, their codes and (later) boundaries."""
