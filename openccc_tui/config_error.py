"""The error of a configuration or permission problem (SPEC TERM-5), in a module of its own:
the command line and the App name it before the settings, and pydantic with them, load."""


class ConfigurationError(Exception):
    """A configuration or permission problem: not a crash; the message says what to fix."""
