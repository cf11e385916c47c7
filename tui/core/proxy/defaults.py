"""The proxy's defaults, in a module with no imports so the command line can show them
without loading the proxy itself."""

from __future__ import annotations

DEFAULT_LISTEN = "127.0.0.1"
# kind -> (what people call it, local port)
LISTENERS = {"imap": ("IMAP", 1143), "pop": ("POP3", 1110), "smtp": ("SMTP submission", 1587)}
# kind -> Exchange Online's server for it
UPSTREAMS = {"imap": ("outlook.office365.com", 993), "pop": ("outlook.office365.com", 995),
             "smtp": ("smtp.office365.com", 587)}
# kind -> the port on which TLS starts with the first byte (any other port uses STARTTLS)
IMPLICIT_PORTS = {"imap": 993, "pop": 995, "smtp": 465}
