"""What every page shares: template helpers and security headers (templating), the role
check and the rate limits (guards)."""
