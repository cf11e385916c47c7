"""tui.core.oauth."""
