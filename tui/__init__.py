"""exo-oauth: OAuth2 accounts for Exchange Online, kept alive from a terminal."""

__version__ = "0.1.0"
