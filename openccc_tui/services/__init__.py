"""The use cases, one module each. No Textual: screens, the command line and tests call these."""
