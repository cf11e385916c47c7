"""The non-UI core of exo-oauth: model, validation, store, sealing, OAuth, catalog.

Nothing under tui.core imports Textual (a test checks it). Import submodules
directly; this package imports nothing on purpose, so that the token fast path
pays only for what it uses.
"""
