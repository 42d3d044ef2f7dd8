"""``python -m quartiers.cli``: the same as the ``quartiers`` command."""

from quartiers.cli import main

if __name__ == "__main__":
    main()
