"""Schemathesis hooks for scripts/fuzz-api.sh (loaded through SCHEMATHESIS_HOOKS)."""

import hashlib
import os

import schemathesis

# The account whose token the run uses. A new password or role for it ends that session,
# and the rest of the run would see nothing but 401s.
OWN_USER_ID = os.environ.get("ADUAN_FUZZ_USER_ID", "")
NOBODY = "00000000-0000-0000-0000-000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path.endswith("/admin/users/{id}") and case.path_parameters:
        if case.path_parameters.get("id") == OWN_USER_ID:
            case.path_parameters["id"] = NOBODY
    # Generated keys are short and repeat across unrelated submissions, which the server
    # rightly refuses (idempotency_key_reused). Binding the key to the body keeps a repeat
    # of the same submission a repeat, and makes different submissions different keys.
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and key:
        digest = hashlib.sha256(repr(case.body).encode()).hexdigest()[:16]
        case.headers["Idempotency-Key"] = f"{key[:183]}-{digest}"
