"""One Textual screen per documented page."""
