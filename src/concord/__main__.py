"""``python -m concord`` runs the CLI."""

from concord.cli.main import main

main()
