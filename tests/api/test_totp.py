"""TOTP codes: each accepted once, one step of drift either way, and challenges that expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import ME, REFRESH, VERIFY, challenge, code_at, tokens
from tests.factories import Api, make_user


async def test_a_code_is_accepted_once(api: Api) -> None:
    # given: a code used to sign in
    user = await make_user("alice")
    assert user.totp_secret
    code = code_at(user.totp_secret, api.clock.now())
    await api.ok(VERIFY, {"t": await challenge(api, "alice"), "c": code})
    # when: the same code again, in the same time step, on a new challenge
    error = await api.error(VERIFY, {"t": await challenge(api, "alice"), "c": code})
    # then
    assert error["code"] == "UNAUTHENTICATED"
    assert error["field"] == "code"


async def test_the_next_time_step_gives_a_new_code(api: Api) -> None:
    user = await make_user("alice")
    await api.ok(VERIFY, {"t": await challenge(api, "alice"), "c": api.code(user)})
    api.clock.advance(timedelta(seconds=30))
    await api.ok(VERIFY, {"t": await challenge(api, "alice"), "c": api.code(user)})


async def test_one_step_of_drift_is_accepted_either_way(api: Api) -> None:
    # given
    user = await make_user("alice")
    assert user.totp_secret
    now = api.clock.now()
    # when / then: the previous step, then the next one
    await api.ok(
        VERIFY, {"t": await challenge(api, "alice"), "c": code_at(user.totp_secret, now, -1)}
    )
    await api.ok(
        VERIFY, {"t": await challenge(api, "alice"), "c": code_at(user.totp_secret, now, +1)}
    )


@pytest.mark.parametrize("steps", [-2, +2])
async def test_two_steps_away_is_refused(api: Api, steps: int) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    code = code_at(user.totp_secret, api.clock.now(), steps)
    if code in {code_at(user.totp_secret, api.clock.now(), s) for s in (-1, 0, 1)}:
        pytest.skip("the two codes happen to coincide")
    error = await api.error(VERIFY, {"t": await challenge(api, "alice"), "c": code})
    assert error["code"] == "UNAUTHENTICATED"


async def test_an_older_step_after_a_newer_one_is_a_replay(api: Api) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    now = api.clock.now()
    await api.ok(
        VERIFY, {"t": await challenge(api, "alice"), "c": code_at(user.totp_secret, now, +1)}
    )
    error = await api.error(
        VERIFY, {"t": await challenge(api, "alice"), "c": code_at(user.totp_secret, now)}
    )
    assert error["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "shape",
    [
        "",
        "12345",
        "1234567",
        "abcdef",
        "12 345",
        "\u0661\u0662\u0663\u0664\u0665\u0666",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "12345\x00",
        "-12345",
    ],
)
async def test_codes_that_are_not_six_ascii_digits_are_refused(api: Api, shape: str) -> None:
    await make_user("alice")
    error = await api.error(VERIFY, {"t": await challenge(api, "alice"), "c": shape})
    # a control character is refused as malformed input before any code is looked at
    assert error["code"] == ("VALIDATION" if "\x00" in shape else "UNAUTHENTICATED")


async def test_the_right_digits_in_another_script_are_refused(api: Api) -> None:
    user = await make_user("alice")
    arabic = api.code(user).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    error = await api.error(VERIFY, {"t": await challenge(api, "alice"), "c": arabic})
    assert error["code"] == "UNAUTHENTICATED"


async def test_the_challenge_expires_after_five_minutes(api: Api) -> None:
    # given
    user = await make_user("alice")
    token = await challenge(api, "alice")
    # when
    api.clock.advance(timedelta(minutes=5))
    # then
    error = await api.error(VERIFY, {"t": token, "c": api.code(user)})
    assert error["code"] == "UNAUTHENTICATED"


async def test_the_challenge_still_works_just_before_five_minutes(api: Api) -> None:
    user = await make_user("alice")
    token = await challenge(api, "alice")
    api.clock.advance(timedelta(minutes=4, seconds=59))
    await api.ok(VERIFY, {"t": token, "c": api.code(user)})


async def test_an_access_token_is_not_a_challenge(api: Api) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    access = (await tokens(api, "alice", user.totp_secret))["accessToken"]
    error = await api.error(VERIFY, {"t": access, "c": api.code(user)})
    assert error["code"] == "UNAUTHENTICATED"


async def test_a_challenge_is_not_an_access_token(api: Api) -> None:
    await make_user("alice")
    error = await api.error(ME, token=await challenge(api, "alice"))
    assert error["code"] == "UNAUTHENTICATED"


async def test_a_challenge_is_not_a_refresh_token(api: Api) -> None:
    await make_user("alice")
    error = await api.error(REFRESH, {"r": await challenge(api, "alice")})
    assert error["code"] == "UNAUTHENTICATED"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{header}.{payload}.{flipped}"


@pytest.mark.parametrize(
    "garble",
    [
        lambda t: _tamper(t),
        lambda t: t[:-4],
        lambda t: "garbage",
        lambda t: "a.b.c",
        lambda t: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        lambda t: t + "." + t,
    ],
)
async def test_a_forged_or_garbled_token_is_unauthenticated(api: Api, garble: object) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    access = (await tokens(api, "alice", user.totp_secret))["accessToken"]
    bad = garble(access)  # type: ignore[operator]
    assert (await api.error(ME, token=bad))["code"] == "UNAUTHENTICATED"
    assert (await api.error(VERIFY, {"t": bad, "c": api.code(user)}))["code"] == "UNAUTHENTICATED"


async def test_a_token_signed_by_another_key_is_unauthenticated(api: Api) -> None:
    import uuid

    from joserfc import jwt
    from joserfc.jwk import OKPKey

    user = await make_user("alice")
    now = int(api.clock.now().timestamp())
    claims = {
        "iss": "hearth",
        "sub": str(user.id),
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
        "token_use": "access",
    }
    forged = jwt.encode(
        {"alg": "Ed25519"}, claims, OKPKey.generate_key("Ed25519"), algorithms=["Ed25519"]
    )
    assert (await api.error(ME, token=forged))["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer    ", "Token x"])
async def test_malformed_authorization_headers_are_unauthenticated(api: Api, header: str) -> None:
    response = await api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": header}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_bearer_token_with_non_ascii_bytes_is_unauthenticated(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": b"Bearer " + "é".encode() * 20},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
