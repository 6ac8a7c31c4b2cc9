"""The Click layer: each command parses its options, calls the library and prints through
`output`. `prepdeck.cli` imports a command's module only when that command is asked for or
listed by `--help`; a command imports the library only when it runs."""
