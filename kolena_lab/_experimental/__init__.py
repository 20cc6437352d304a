"""Prebuilt workflows and plot helpers under the import paths Kolena's example workflows use
(``kolena_lab._experimental.classification.utils``, ``kolena_lab._experimental.object_detection``), computed with
``kolena_lab.metrics``."""
