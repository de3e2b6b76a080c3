"""The basics every layer shares: settings (the only reader of the environment), configuration
files read with line numbers, the plan registry, the progress-event model, the screen layouts
and thresholds, China time and Chinese number formats, safe spreadsheet cells, log formats.

May import: nothing of the wall (the standard library and third-party packages only).
"""
