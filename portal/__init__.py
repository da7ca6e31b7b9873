"""The portal: VECOZO's web face for persons with a personal certificate.

Server-rendered Dutch pages under ``/portal/`` on the exchange's own port (mutual TLS): login
by personal certificate plus the authenticatie-app's TOTP code, then the Declaratieportaal.
The composition root mounts it::

    gateway = Gateway(settings, world=world, extend=portal.mount_portal)

Every page calls the gateway's public service functions (the ones its REST handlers use), so
an upload here and a REST push are accepted by one code path.
"""

from portal._app import mount_portal
from portal._settings import PortalSettings

__all__ = ["PortalSettings", "mount_portal"]
