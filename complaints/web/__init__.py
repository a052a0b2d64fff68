"""What every page shares: template helpers and security headers (templating), the role
check and the rate limits (security), and the shape of a page with a form (form_pages)."""
