"""The provider's commands as functions: what a command line over the client calls.

``vecozo-sim submit|status|inbox|fetch|cov|explain|generate|load`` are thin shells over these
(options in, text or JSON out); a vendor's own tooling may call them too. They are kept apart
from the library API in :mod:`provider_client` (``VecozoClient`` and its values and errors),
which is what a program talking to the exchange needs. The functions live in private modules;
this module only names them.
"""

from provider_client._cmd_generate import (
    GenerateRequest,
    parse_errors,
    parse_fraction,
    parse_period,
    run_generate,
    write_generated,
)
from provider_client._commands import (
    DEFAULT_ACCOUNT_RULE,
    Target,
    check_cov,
    fetch_messages,
    inbox,
    open_client,
    read_input,
    show_status,
    submit_files,
)
from provider_client._cov import CovResult
from provider_client._explain import Explanation, explain
from provider_client._load import (
    Percentiles,
    Summary,
    parse_accounts,
    parse_duration,
    parse_rate,
)
from provider_client._render_table import (
    cov_table,
    explanation_text,
    inbox_table,
    return_table,
    status_table,
)
from provider_client._world import account_named, load_world_of

__all__ = [
    "DEFAULT_ACCOUNT_RULE",
    "CovResult",
    "Explanation",
    "GenerateRequest",
    "Percentiles",
    "Summary",
    "Target",
    "account_named",
    "check_cov",
    "cov_table",
    "explain",
    "explanation_text",
    "fetch_messages",
    "inbox",
    "inbox_table",
    "load_world_of",
    "open_client",
    "parse_accounts",
    "parse_duration",
    "parse_errors",
    "parse_fraction",
    "parse_period",
    "parse_rate",
    "read_input",
    "return_table",
    "run_generate",
    "show_status",
    "status_table",
    "submit_files",
    "write_generated",
]
