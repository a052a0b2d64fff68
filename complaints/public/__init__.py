"""Citizen pages: home, the complaint form, the receipt and public tracking."""

from complaints.public.views import bp

__all__ = ["bp"]
