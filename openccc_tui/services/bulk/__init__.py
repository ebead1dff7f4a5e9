"""Multi Account Creation: reading uploads and running import jobs."""
