"""Use cases called by views and the CLI. Services raise domain errors (recommender.errors)."""
