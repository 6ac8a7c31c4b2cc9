"""Packages to the phone and to Anki: `share` serves them over the local network with a QR
code, `push` imports them into the Anki running here through AnkiConnect."""
