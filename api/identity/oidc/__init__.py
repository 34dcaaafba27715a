"""OpenID Connect: sign-in through the state's identity provider, and its access tokens.

Two paths, one user mapping and one policy-202 check:

* **Browser**: ``/auth/oidc/login`` sends the browser to the provider (Authlib's Starlette
  client: authorization code, PKCE S256, state and nonce in a signed cookie); ``/auth/oidc/
  callback`` checks the ID token and ends in a Hearth session with Hearth tokens, exactly like
  the local ``verifyMfa``. ``/auth/oidc/logout`` ends the Hearth session and sends the browser
  to the provider's ``end_session_endpoint`` (RP-initiated logout).
* **Bearer**: a front end may call the API with the provider's own access token (a JWT for
  Hearth's resource indicator). It is checked here, against the provider's JWKS (fetched
  asynchronously with timeouts, cached, refetched once on an unknown ``kid`` at most every
  ``oidc_jwks_min_refetch_seconds``), with an algorithm allow-list, the exact issuer, an
  audience containing Hearth's, ``exp`` with at most 60 s leeway, and ``typ: at+jwt``
  (RFC 9068) so that an ID token is never taken for an access token.

Hearth's own tokens (sessions, service accounts) keep working when the provider is down: they
are told apart by their issuer and never touch the provider.
"""

from api.identity.oidc.mapping import OidcIdentity
from api.identity.oidc.provider import ProviderClient, ProviderError
from api.identity.oidc.routes import session_cookie_options

__all__ = ["OidcIdentity", "ProviderClient", "ProviderError", "session_cookie_options"]
