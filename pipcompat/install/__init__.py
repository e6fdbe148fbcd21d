"""Installs: the plan, linking wheels from the cache into an environment, records, uninstall with rollback.

Public API:

- :func:`~pipcompat.install.plan.plan_changes` / :func:`~pipcompat.install.plan.plan_sync` → :class:`Plan`
- :func:`~pipcompat.install.engine.install_wheels` (:class:`WheelToInstall` → :class:`InstalledDist`)
- :func:`~pipcompat.install.scheme.scheme_for` → :class:`Scheme`
- :func:`~pipcompat.install.uninstall.uninstall_set`, :func:`~pipcompat.install.uninstall.remove_in`
- :class:`~pipcompat.install.transaction.Transaction`
- :func:`~pipcompat.install.link.link_tree` / ``link_file`` with ``hardlink | copy | symlink``
- (unpacking into the cache lives in :mod:`pipcompat.dist.unpack`)
- :func:`~pipcompat.install.target.locate_target`: the target interpreter, inspected

Modules are imported on use (``from pipcompat.install.engine import install_wheels``) so that importing
this package costs nothing.
"""
