"""Conditional Access and MFA answers: what a tenant's policies say instead of issuing a token.

Each named fault is one of the answers a client meets when a policy wants the person
back: an AADSTS code, its error name, a ``suberror`` and (for the Conditional Access
codes) a ``claims`` challenge naming the policy, shaped as Microsoft sends them. They
are served only to a request that would otherwise get a user's token, after the
client and the grant have been checked, as a policy decision comes last at Microsoft.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyAnswer:
    code: int
    error: str
    suberror: str
    challenge: bool  # carries a claims challenge naming the policy


ANSWERS: dict[str, PolicyAnswer] = {
    "mfa_required": PolicyAnswer(50076, "invalid_grant", "basic_action", True),
    "mfa_registration": PolicyAnswer(50079, "invalid_grant", "basic_action", True),
    "mfa_expired": PolicyAnswer(50078, "invalid_grant", "basic_action", True),
    "sign_in_frequency": PolicyAnswer(70043, "invalid_grant", "basic_action", True),
    "ca_blocked": PolicyAnswer(53003, "invalid_grant", "message_only", True),
    "ca_denied": PolicyAnswer(53003, "access_denied", "message_only", True),
    "interaction_required": PolicyAnswer(50076, "interaction_required", "basic_action", False),
    "consent_required": PolicyAnswer(65001, "invalid_grant", "consent_required", False),
}
# The device-code sign-in refused by an "authentication flows" policy.
DEVICE_BLOCKED = PolicyAnswer(53003, "access_denied", "message_only", True)


def policy_id(name: str) -> str:
    """A stable made-up Conditional Access policy id per fault."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"exo-oauth-fake-policy:{name}"))


def claims_challenge(name: str) -> str:
    """The ``claims`` value: a JSON string asking for a token that satisfies the policy."""
    return json.dumps({"access_token": {"capolids": {"essential": True,
                                                     "values": [policy_id(name)]}}},
                      separators=(",", ":"))


def error_fields(name: str, answer: PolicyAnswer) -> dict[str, str]:
    """Keyword arguments for errors.aad_error beyond the code."""
    fields = {"error": answer.error, "suberror": answer.suberror}
    if answer.challenge:
        fields["claims"] = claims_challenge(name)
    return fields
