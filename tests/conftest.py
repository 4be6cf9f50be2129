"""Shared fixtures: databases (SQLite and a real PostgreSQL server), the app, users."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.app",
    "tests.fixtures.cli",
    "tests.fixtures.demo",
]
