"""The package version, in one place (the root package and the store's snapshots read it)."""
__version__ = "0.1.0"
