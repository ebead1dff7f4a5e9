"""Masking of contact details shown to someone who has not signed in yet (SPEC SIGN-8)."""

import re


def mask_email(email: str) -> str:
    """`winnie@test.com` -> `w****e@test.com`: the first and last character of the local part."""
    local, _, domain = email.strip().rpartition("@")
    if not local:
        return "*" * len(email)
    shown = local[0] + "*" if len(local) <= 2 else local[0] + "*" * (len(local) - 2) + local[-1]
    return f"{shown}@{domain}"


def mask_phone(phone: str) -> str:
    """Any phone number -> `(***) ***-1234`: only the last four digits stay."""
    digits = re.sub(r"\D", "", phone)
    return f"(***) ***-{digits[-4:]}"
