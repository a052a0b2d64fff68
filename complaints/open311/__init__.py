"""Open311 GeoReport v2 server (/open311/v2): discovery, services, service
definitions, service requests (GET, and POST with an api_key) and tokens, each in
.json and .xml."""

from complaints.open311.views import bp

__all__ = ["bp"]
