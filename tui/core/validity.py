"""How long an access token must stay valid to be handed out (the `--min-valid` default).

A module of its own, with no imports, so the token fast path and the model share
one number.
"""

DEFAULT_MARGIN_S = 300
