from prepdeck.cli import cli

cli(prog_name="prepdeck")
