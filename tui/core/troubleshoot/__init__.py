"""tui.core.troubleshoot."""
