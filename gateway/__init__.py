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
from gateway._routing import (
    DeclarationRef,
    HeaderCodes,
    MessageKind,
)
from gateway._runtime import Faults
from gateway._settings import GatewaySettings, RetrySchedule, SimulatedClock
from gateway._status import Status, StatusTransitionError
from gateway._store import Store

__all__ = [
    "SHUTDOWN_GRACE",
    "AuthenticationError",
    "AuthorizationError",
    "CovRegister",
    "DeclarationRef",
    "Faults",
    "Gateway",
    "GatewayError",
    "GatewaySettings",
    "HeaderCodes",
    "InjectedFaultError",
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
    "ValidationError",
    "create_admin_app",
]
