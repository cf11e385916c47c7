"""Widgets that convert to and from plain data (rows, fields); screens own the flow."""
