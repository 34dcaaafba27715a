"""The Hearth process: settings, database, app factory, identity and the command line."""
