"""Interpreters and environments: discovery, inspection (cached probes) and the native venv builder.

- :mod:`pipcompat.env.interpreters` finds the target of a command (``--python``, ``VIRTUAL_ENV``,
  ``CONDA_PREFIX``, ``.venv``, the running interpreter) and the base of a new environment;
- :mod:`pipcompat.env.probe` describes an interpreter (:class:`Interpreter`), cached by path and mtime;
- :mod:`pipcompat.env.venv` builds virtual environments without running ``python -m venv``;
- :mod:`pipcompat.env.seed` links pip (and setuptools before 3.12) into them from the cache;
- :mod:`pipcompat.env.activation` holds the shells' activation scripts.

Importing this package imports nothing else: use the submodules.
"""
