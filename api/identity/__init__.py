"""Pluggable identity: every provider turns credentials into the same Principal."""

from api.identity.base import Authenticated, IdentityProvider, TokenPair
from api.identity.local import LocalIdentity
from api.identity.tokens import TokenService, load_signing_key

__all__ = [
    "Authenticated",
    "IdentityProvider",
    "LocalIdentity",
    "TokenPair",
    "TokenService",
    "load_signing_key",
]
