"""What every blueprint's views share: the role check and the rate limits (guards)."""
