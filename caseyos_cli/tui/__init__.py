"""The Textual dashboard (`caseyos tui`): a client of the daemon, like the CLI.

Only `caseyos tui` imports this package; every other command stays free of Textual.
"""
