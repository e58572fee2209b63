"""Android entry point: buildozer packages the handheld app from here (see buildozer.spec).

On a desktop run ``make app`` (``python -m mobile.ui``) instead.
"""

from mobile.ui.main import main

if __name__ == "__main__":
    main()
