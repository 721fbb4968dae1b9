"""The coordination patterns, each built only on the world's public API."""
