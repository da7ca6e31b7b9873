"""The provider's side of the exchange: async client, commands, fake traffic, load driver.

``VecozoClient`` speaks the exchange's HTTPS interface (push, pull, status, COV) with a client
certificate; ``generate_file`` makes realistic declaration files from a world; the Faker
provider ``VecozoProvider`` makes Dutch healthcare identifiers on its own. This package never
imports the gateway or the insurer stubs: like a real vendor, it only talks HTTPS.
"""

from provider_client._client import VecozoClient
from provider_client._draw import GenerateError
from provider_client._errors import (
    CertificateRefusedError,
    ClientError,
    ConfigurationError,
    ConnectionFailedError,
    ConnectionLostError,
    DeclarationRejectedError,
    MessageNotFoundError,
    NotAuthorisedError,
    PayloadIntegrityError,
    ProblemDetailsError,
    RequestTimeoutError,
    ReturnTimeoutError,
    ServerNotTrustedError,
    UnexpectedResponseError,
)
from provider_client._faker import VecozoProvider
from provider_client._generate import (
    GeneratedFile,
    GenerateOptions,
    generate_bureau,
    generate_file,
)
from provider_client._home import ClientConfig
from provider_client._load import LoadError, LoadPlan
from provider_client._load_run import run_load
from provider_client._protocol import IncomingResponse, OutgoingRequest
from provider_client._transport import AiohttpTransport, Transport
from provider_client._values import (
    Melding,
    MessageInfo,
    MessageStatus,
    Party,
    PushReceipt,
    Stream,
)

__all__ = [
    "AiohttpTransport",
    "CertificateRefusedError",
    "ClientConfig",
    "ClientError",
    "ConfigurationError",
    "ConnectionFailedError",
    "ConnectionLostError",
    "DeclarationRejectedError",
    "GenerateError",
    "GenerateOptions",
    "GeneratedFile",
    "IncomingResponse",
    "LoadError",
    "LoadPlan",
    "Melding",
    "MessageInfo",
    "MessageNotFoundError",
    "MessageStatus",
    "NotAuthorisedError",
    "OutgoingRequest",
    "Party",
    "PayloadIntegrityError",
    "ProblemDetailsError",
    "PushReceipt",
    "RequestTimeoutError",
    "ReturnTimeoutError",
    "ServerNotTrustedError",
    "Stream",
    "Transport",
    "UnexpectedResponseError",
    "VecozoClient",
    "VecozoProvider",
    "generate_bureau",
    "generate_file",
    "run_load",
]
