"""Settings modules: base (shared), local (development), test and production."""
