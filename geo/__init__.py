"""Guangdong's geography: its 21 prefecture-level cities, their codes, committed boundaries and
centroids.

May import: nothing of the wall or the collectors."""
