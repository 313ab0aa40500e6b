"""The fkeras version, in a module of its own: ``fkeras.__version__`` re-exports it, and code below
the package root (the ``.keras`` metadata, ``export``) reads it here."""
__version__ = "0.1.0"
