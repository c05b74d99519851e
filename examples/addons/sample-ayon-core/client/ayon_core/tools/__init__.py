"""UI tools of the SAMPLE core addon (not AYON code).

Like the real ``ayon_core.tools``, everything here may need Qt. Qt is only
imported inside functions, so the headless publish path never imports it.
"""
