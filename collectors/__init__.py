"""Collectors: pull metrics from every node's platform and yield canonical samples."""
