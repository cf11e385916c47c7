"""Screens: the accounts list, the account form, help, and the small modal questions."""
