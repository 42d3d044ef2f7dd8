"""The Django project hosting the register and the web application.

Settings are in :mod:`quartiers.web.settings` (one place); the register's apps live in
:mod:`quartiers.registre`, the web application's pages in the apps of this package.
"""
