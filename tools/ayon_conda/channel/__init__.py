"""Step 3, ``ayon-conda publish`` and ``mirror``: packages become entries of an append-only channel.

``protocol`` (what a channel promises, and which implementation a URL gets) -> ``directory`` or
``s3_bucket`` (create-only uploads) -> ``indexer`` (py-rattler writes the index); ``publish``
runs the step, ``mirror`` copies a channel. Reading a channel (its index, its packages' metadata)
is :mod:`ayon_publish_submit.channel_reader`, which a DCC uses at submission.
"""
