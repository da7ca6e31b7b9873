"""The authenticatie-app's second factor: RFC 6238 TOTP codes, checked once each. Pure.

RFC 6238 section 5.2: "the verifier MUST NOT accept the second attempt of the OTP after the
successful validation has been issued for the first OTP, which ensures one-time only use".
One step of drift either way is accepted ("We RECOMMEND that at most one time step is allowed
as the network delay"), so a code typed just as it turns over still counts.
"""

from __future__ import annotations

import hmac

import pyotp

__all__ = ["STEP_SECONDS", "accepted_step"]

STEP_SECONDS = 30


def accepted_step(secret: str, code: str, *, now: float, last_step: int) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None
