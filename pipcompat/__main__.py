"""``python -m pipcompat``."""

from pipcompat.cli.main import run

if __name__ == "__main__":
    run()
