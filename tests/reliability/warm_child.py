"""What every importer run builds the same way, built once in the crash harness's forkserver
(listed in its PRELOAD) so that each forked child inherits it instead of paying for it again:
the TLS context that parses the whole CA bundle (50 to 90 ms of CPU per run; a campaign
forks some thirty children). A forked child still builds anything its environment changes:
the context is keyed by SSL_CERT_FILE / SSL_CERT_DIR (importer.vtex.http.verified_tls)."""

from importer.vtex.http import verified_tls

verified_tls()
