"""The exchange: mutual-TLS berichtenservice (push, pull, status), COV, delivery and journal.

The composition root starts it with::

    gateway = Gateway(GatewaySettings(layout=HomeLayout(root=home)), world=world)
    await gateway.start()      # store, TLS site, journal, delivery worker
    ...
    await gateway.stop()

``create_app`` / ``create_admin_app`` give the bare aiohttp applications; the gateway serves no
admin listener itself: the composition root mounts ``create_admin_app(gateway.app)`` on its own.
"""

from gateway._admin import create_admin_app
from gateway._app import ROUTES, SHUTDOWN_GRACE, Gateway, create_app, load_cov_register
from gateway._cov import CovRegister, merge_populations
from gateway._cov_routes import fault_status
from gateway._errors import (
    AuthenticationError,
    AuthorizationError,
    GatewayError,
    InjectedFaultError,
    NotFoundError,
    PayloadTooLargeError,
    RefusedError,
    StoreError,
    ValidationError,
)
from gateway._identity import Caller, require_service, resolve_caller, service_for_path
from gateway._retention import retention_cutoff
from gateway._routing import (
    DeclarationRef,
    Envelope,
    HeaderCodes,
    MessageKind,
    Party,
    Route,
    decide_route,
    envelope_from_json,
    envelope_from_metadata,
)
from gateway._runtime import AcceptedCrl, Faults
from gateway._services import (
    MessageFilter,
    Submission,
    Upload,
    accept_submission,
    answers_to,
    check_insurance,
    exchange_state,
    fetch_payload,
    file_header,
    identify,
    messages_of,
    mount_pages,
    note_outcome,
    own_message,
    party_payload,
    payload_kept,
    payload_kept_until,
    read_submission,
    save_upload,
    status_history,
    technical_check,
)
from gateway._settings import MIB, GatewaySettings, RetrySchedule, SimulatedClock
from gateway._state import GatewayState
from gateway._status import FINAL_STATUSES, Status, StatusTransitionError, check_transition
from gateway._store import Store, StoredMessage

run_gateway = Gateway

__all__ = [
    "FINAL_STATUSES",
    "MIB",
    "ROUTES",
    "SHUTDOWN_GRACE",
    "AcceptedCrl",
    "AuthenticationError",
    "AuthorizationError",
    "Caller",
    "CovRegister",
    "DeclarationRef",
    "Envelope",
    "Faults",
    "Gateway",
    "GatewayError",
    "GatewaySettings",
    "GatewayState",
    "HeaderCodes",
    "InjectedFaultError",
    "MessageFilter",
    "MessageKind",
    "NotFoundError",
    "Party",
    "PayloadTooLargeError",
    "RefusedError",
    "RetrySchedule",
    "Route",
    "SimulatedClock",
    "Status",
    "StatusTransitionError",
    "Store",
    "StoreError",
    "StoredMessage",
    "Submission",
    "Upload",
    "ValidationError",
    "accept_submission",
    "answers_to",
    "check_insurance",
    "check_transition",
    "create_admin_app",
    "create_app",
    "decide_route",
    "envelope_from_json",
    "envelope_from_metadata",
    "exchange_state",
    "fault_status",
    "fetch_payload",
    "file_header",
    "identify",
    "load_cov_register",
    "merge_populations",
    "messages_of",
    "mount_pages",
    "note_outcome",
    "own_message",
    "party_payload",
    "payload_kept",
    "payload_kept_until",
    "read_submission",
    "require_service",
    "resolve_caller",
    "retention_cutoff",
    "run_gateway",
    "save_upload",
    "service_for_path",
    "status_history",
    "technical_check",
]
