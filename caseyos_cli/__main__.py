from caseyos_cli.main import run

run()
