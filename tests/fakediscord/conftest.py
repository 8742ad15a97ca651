"""Fixtures for testing the fake itself."""

from .fixtures import fake_discord

__all__ = ["fake_discord"]
