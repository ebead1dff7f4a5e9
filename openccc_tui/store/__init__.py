"""Tables, the engine and session factory, migrations and queries. No Textual."""
