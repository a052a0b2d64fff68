"""Celery workers for Rongrian: thin tasks that call the services."""
