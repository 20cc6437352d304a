"""Stress testing: operational domains, perturbations and the search for the ones that break a model."""
