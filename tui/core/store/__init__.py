"""tui.core.store."""
