"""Accounts: roles of the register, the permissions API, login throttling.

See :mod:`quartiers.registre.comptes.permissions` for the function-level API used by every
view (and by the REST API of the web application)."""
