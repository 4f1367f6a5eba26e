"""One `Store` per storage backend."""
