"""Commands imported only when asked for (see cli._LAZY)."""
