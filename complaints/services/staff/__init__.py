"""Staff: accounts and sign-in, session length, integrity grants."""
