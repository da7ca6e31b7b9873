"""The exchange: mutual-TLS berichtenservice (push, pull, status), COV, delivery and journal.

The composition root starts it with::

    gateway = Gateway(GatewaySettings(layout=HomeLayout(root=home)), world=world)
    await gateway.start()      # store, TLS site, journal, delivery worker
    ...
    await gateway.stop()

The gateway serves no admin listener itself: the composition root mounts
``create_admin_app(gateway.app)`` on its own.
"""

from gateway._admin import create_admin_app
from gateway._app import SHUTDOWN_GRACE, Gateway
from gateway._cov import CovRegister
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
from gateway._identity import Caller
from gateway._routing import (
    DeclarationRef,
    HeaderCodes,
    MessageKind,
)
from gateway._runtime import Faults
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
from gateway._settings import GatewaySettings, RetrySchedule, SimulatedClock
from gateway._state import GatewayState
from gateway._status import Status, StatusTransitionError
from gateway._store import Store, StoredMessage

__all__ = [
    "SHUTDOWN_GRACE",
    "AuthenticationError",
    "AuthorizationError",
    "Caller",
    "CovRegister",
    "DeclarationRef",
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
    "PayloadTooLargeError",
    "RefusedError",
    "RetrySchedule",
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
    "create_admin_app",
    "exchange_state",
    "fetch_payload",
    "file_header",
    "identify",
    "messages_of",
    "mount_pages",
    "note_outcome",
    "own_message",
    "party_payload",
    "payload_kept",
    "payload_kept_until",
    "read_submission",
    "save_upload",
    "status_history",
    "technical_check",
]
