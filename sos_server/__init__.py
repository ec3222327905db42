"""Reference SOS API server: OGC API - Features read side, status write-back, intake and import."""
