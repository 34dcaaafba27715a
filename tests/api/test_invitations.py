"""Invitations: an admin invites, the user sets a password and enrols an authenticator, once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from models.enums import SystemRole
from models.sessions import EnrollmentInvite
from models.users import User
from tests.api.helpers import ACCEPT, INVITE, LOGIN, ME, VERIFY, code_at, tokens
from tests.factories import Api, make_user

NEW_PASSWORD = "four quiet rivers under snow"


async def _invited(api: Api) -> tuple[User, str, str]:
    """A user without credentials (as the vendor sync makes them), the admin's token, an invite."""
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin_token = await api.sign_in(admin)
    user = await make_user("carol")
    await User.filter(id=user.id).update(password_hash=None, totp_secret=None)
    invite = (await api.ok(INVITE, {"id": str(user.id)}, admin_token))["inviteUser"]
    return user, admin_token, invite["token"]


async def test_an_invited_user_enrols_and_signs_in(api: Api) -> None:
    # given
    _, _, token = await _invited(api)
    # when
    enrolment = (await api.ok(ACCEPT, {"t": token, "p": NEW_PASSWORD}))["acceptInvitation"]
    secret = enrolment["totpSecret"]
    tokens_ = await api.ok(
        VERIFY, {"t": enrolment["challengeToken"], "c": code_at(secret, api.clock.now())}
    )
    # then
    uri = urlsplit(enrolment["provisioningUri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [secret]
    me = (await api.ok(ME, token=tokens_["verifyMfa"]["accessToken"]))["me"]
    assert me["user"]["username"] == "carol"
    # and the password works for later sign-ins
    api.clock.advance(timedelta(seconds=30))
    later = await tokens(api, "carol", secret, NEW_PASSWORD)
    await api.ok(ME, token=later["accessToken"])


async def test_the_invitation_says_when_it_expires(api: Api) -> None:
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin_token = await api.sign_in(admin)
    user = await make_user("carol")
    invite = (await api.ok(INVITE, {"id": str(user.id)}, admin_token))["inviteUser"]
    assert invite["expiresAt"] == (api.clock.now() + timedelta(hours=72)).isoformat()


async def test_before_enrolment_the_user_cannot_sign_in(api: Api) -> None:
    await _invited(api)
    assert (await api.error(LOGIN, {"u": "carol", "p": NEW_PASSWORD}))["code"] == "UNAUTHENTICATED"


async def test_an_invitation_works_once(api: Api) -> None:
    # given
    _, _, token = await _invited(api)
    await api.ok(ACCEPT, {"t": token, "p": NEW_PASSWORD})
    # when
    error = await api.error(ACCEPT, {"t": token, "p": "another long pass phrase"})
    # then
    assert (error["code"], error["field"]) == ("VALIDATION", "token")


async def test_an_invitation_expires_after_seventy_two_hours(api: Api) -> None:
    # given
    _, _, token = await _invited(api)
    # when
    api.clock.advance(timedelta(hours=72))
    # then
    error = await api.error(ACCEPT, {"t": token, "p": NEW_PASSWORD})
    assert (error["code"], error["field"]) == ("VALIDATION", "token")
    assert await User.get(username="carol").values_list("password_hash", flat=True) is None


async def test_an_invitation_works_until_then(api: Api) -> None:
    _, _, token = await _invited(api)
    api.clock.advance(timedelta(hours=71, minutes=59))
    await api.ok(ACCEPT, {"t": token, "p": NEW_PASSWORD})


async def test_an_unknown_invitation_is_refused(api: Api) -> None:
    await _invited(api)
    error = await api.error(ACCEPT, {"t": "not-an-invitation", "p": NEW_PASSWORD})
    assert (error["code"], error["field"]) == ("VALIDATION", "token")


async def test_a_new_invitation_cancels_the_earlier_one(api: Api) -> None:
    user, admin_token, first = await _invited(api)
    second = (await api.ok(INVITE, {"id": str(user.id)}, admin_token))["inviteUser"]["token"]
    assert (await api.error(ACCEPT, {"t": first, "p": NEW_PASSWORD}))["code"] == "VALIDATION"
    await api.ok(ACCEPT, {"t": second, "p": NEW_PASSWORD})


@pytest.mark.parametrize(
    "password",
    [
        "short pass",  # under 12 characters
        "password1234",  # on the blocklist
        "Password2026!",  # a blocklisted word, decorated
        "carol.jenkins",  # the username
        "CAROL.JENKINS",  # the username, shouted
        "carol.jenkins@example.org",  # the e-mail address
    ],
)
async def test_weak_passwords_are_refused_and_the_invitation_kept(api: Api, password: str) -> None:
    # given
    _, _, token = await _invited(api)
    await User.filter(username="carol").update(
        username="carol.jenkins", email="carol.jenkins@example.org"
    )
    # when
    error = await api.error(ACCEPT, {"t": token, "p": password})
    # then
    assert (error["code"], error["field"]) == ("VALIDATION", "password")
    assert password not in error["message"]
    assert await EnrollmentInvite.filter(used_at__isnull=True).count() == 1
    assert await User.get(username="carol.jenkins").values_list("password_hash", flat=True) is None
    await api.ok(ACCEPT, {"t": token, "p": NEW_PASSWORD})


async def test_a_long_all_lower_case_pass_phrase_is_enough(api: Api) -> None:
    _, _, token = await _invited(api)
    enrolment = (await api.ok(ACCEPT, {"t": token, "p": "my dog likes long walks"}))[
        "acceptInvitation"
    ]
    assert enrolment["totpSecret"]


async def test_accepting_an_invitation_resets_the_credentials_and_ends_sessions(api: Api) -> None:
    # given: a user with a session, then invited again (e.g. a lost phone)
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin_token = await api.sign_in(admin)
    user = await make_user("carol")
    assert user.totp_secret
    old = await tokens(api, "carol", user.totp_secret)
    invite = (await api.ok(INVITE, {"id": str(user.id)}, admin_token))["inviteUser"]["token"]
    # when
    enrolment = (await api.ok(ACCEPT, {"t": invite, "p": NEW_PASSWORD}))["acceptInvitation"]
    # then
    assert enrolment["totpSecret"] != user.totp_secret
    assert (await api.error(ME, token=old["accessToken"]))["code"] == "UNAUTHENTICATED"
    assert (await api.error(LOGIN, {"u": "carol", "p": "correct horse battery staple"}))[
        "code"
    ] == "UNAUTHENTICATED"
    challenge = (await api.ok(LOGIN, {"u": "carol", "p": NEW_PASSWORD}))["login"]
    assert challenge["enrollmentRequired"] is True
    old_code = code_at(user.totp_secret, api.clock.now())
    assert (await api.error(VERIFY, {"t": challenge["challengeToken"], "c": old_code}))[
        "code"
    ] == "UNAUTHENTICATED"


async def test_only_the_system_administrator_invites(api: Api) -> None:
    clerk = await make_user("clerk")
    token = await api.sign_in(clerk)
    carol = await make_user("carol")
    assert (await api.error(INVITE, {"id": str(carol.id)}, token))["code"] == "FORBIDDEN"
