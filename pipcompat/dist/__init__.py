"""A distribution's life before it is installed: download with a streamed hash check, unpack once into the
cache, and the *prepare* stage that does both for every wheel of a plan, in parallel.

- :mod:`pipcompat.dist.unpack`: :func:`~pipcompat.dist.unpack.unpack_wheel`, a wheel unpacked safely into an
  immutable entry of the ``archives`` bucket, keyed by the wheel's sha256;
- :mod:`pipcompat.dist.prepare`: :func:`~pipcompat.dist.prepare.prepare_wheels`, cache hits first, then
  downloads through the index client (hash-verified, pip's hash-checking mode included) in a thread pool;
- :mod:`pipcompat.dist.installed`: a package source that offers the installed distributions next to the
  index's files, so a resolution keeps what is installed as pip does.

Importing this package imports nothing else: use the submodules.
"""
