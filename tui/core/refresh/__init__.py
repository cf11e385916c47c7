"""tui.core.refresh."""
