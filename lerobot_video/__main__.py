"""``python -m lerobot_video``: the ``lerobot-video`` command."""

import sys

from lerobot_video.cli import main

if __name__ == "__main__":
    sys.exit(main())
