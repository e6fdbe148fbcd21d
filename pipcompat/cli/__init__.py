"""The command line: argument parsing only. Turns argv into settings and hands them to ``commands``."""
