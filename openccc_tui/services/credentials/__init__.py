"""Credentials and their checks: validation codes, one-time passwords, the sign-in lockout,
counted attempts and staff TOTP secrets."""
