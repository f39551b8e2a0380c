"""``python -m vigil`` runs the command line."""

from vigil.cli.main import main

main()
