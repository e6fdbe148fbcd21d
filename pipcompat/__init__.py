"""pipcompat: a fast, faithful drop-in for pip, pip-tools and venv."""

__version__ = "0.1.0"
