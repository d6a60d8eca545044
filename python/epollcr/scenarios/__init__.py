"""Scenario files: parser, generator, reference model, shrinker (scenarios/FORMAT.md)."""
