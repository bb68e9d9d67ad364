"""Pydantic request/response models, kept apart from the engine's domain objects."""
