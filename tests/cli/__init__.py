"""Tests of the ``lerobot-video`` subcommands, run through the installed console script."""
