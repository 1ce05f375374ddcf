"""Filled by its part of issue 19."""

urlpatterns: list = []
