"""OpenCCC TUI: the OpenCCC student-account system of the California Community Colleges, in a terminal."""

__version__ = "0.1.0"
