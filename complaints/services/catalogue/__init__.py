"""What the admin maintains: accounts, units, categories, service standards, root causes, the agency and its setup."""
