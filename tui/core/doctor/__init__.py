"""tui.core.doctor."""
