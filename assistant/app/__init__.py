"""App: the command line and the web chat."""
