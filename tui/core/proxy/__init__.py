"""The local IMAP/POP3/SMTP proxy: password-only clients reach Exchange Online with OAuth.

A client logs in here with a mailbox address and a local password; the proxy
checks the password against the slow hash in the account file, gets the
account's token through the shared single-flight refresh, logs in upstream with
SASL XOAUTH2 over verified TLS, and from then on relays bytes unchanged.
"""
