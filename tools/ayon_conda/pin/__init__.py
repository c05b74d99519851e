"""Step 1, ``ayon-conda pin``: a bundle and the component config become a lock.

``bundle_source`` (where the bundle comes from) -> ``component_config`` (what is baked, from
where) -> ``addon_sources`` / ``source_archives`` / ``addon_tree`` (each addon's client code,
fetched, hashed and read) -> ``python_deps`` (uv resolves; ``headless`` refuses Qt) -> ``lock``,
put together by ``make_lock``. The pin scheme itself (version, build string, spec) is
:mod:`ayon_publish_submit.pin_scheme`, because a DCC computes it too.
"""
