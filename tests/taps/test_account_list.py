"""The account list (orchestrate/accounts.py): what one account's run gets from it."""

from __future__ import annotations

import textwrap

import pytest

from orchestrate.accounts import (
    AccountListError,
    find_account,
    load_accounts,
    main,
    meltano_run_command,
)

LIST = """
tap-8x8:
  - name: client-a
    env: {tenant: CLIENT_A_TENANT, api_token: CLIENT_A_8X8_TOKEN}
    settings: {base_url: 'https://vcc-eu.8x8.com', max_attempts: 3}
  - name: client-b
    credential: agency
    env: {tenant: CLIENT_B_TENANT, api_token: AGENCY_8X8_TOKEN}
"""


@pytest.fixture
def listed(tmp_path):
    path = tmp_path / "accounts.yml"
    path.write_text(textwrap.dedent(LIST))
    return path


def test_an_account_runs_with_its_own_variables_and_state_id(listed):
    account = find_account(load_accounts(listed), "tap-8x8", "client-a")
    env = account.plugin_env({"CLIENT_A_TENANT": "acme", "CLIENT_A_8X8_TOKEN": "t0k"})
    assert env == {
        "TAP_8X8_ACCOUNT": "client-a",
        "TAP_8X8_TENANT": "acme",
        "TAP_8X8_API_TOKEN": "t0k",
        "TAP_8X8_BASE_URL": "https://vcc-eu.8x8.com",
        "TAP_8X8_MAX_ATTEMPTS": "3",
    }
    assert meltano_run_command(account, "target-postgres") == [
        "meltano",
        "run",
        "--state-id-suffix",
        "client-a",
        "tap-8x8",
        "target-postgres",
    ]


def test_the_credential_names_the_pool(listed):
    accounts = {a.name: a for a in load_accounts(listed)}
    assert accounts["client-a"].pool == "tap_8x8__client_a"
    assert accounts["client-b"].pool == "tap_8x8__agency"


def test_a_missing_variable_is_named_before_anything_runs(listed, capsys):
    account = find_account(load_accounts(listed), "tap-8x8", "client-b")
    with pytest.raises(AccountListError, match="AGENCY_8X8_TOKEN, CLIENT_B_TENANT not set"):
        account.plugin_env({})
    assert main(["--file", str(listed), "run", "tap-8x8", "client-z", "target-postgres"]) == 2
    assert "no account 'client-z' (accounts: client-a, client-b)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tap-8x8:\n  - {name: 'client a'}\n", "must be 1 to 63 letters"),
        ("tap-8x8:\n  - {name: a}\n  - {name: a}\n", "lists account a twice"),
        ("tap-8x8:\n  - {name: a, token: x}\n", "unknown key"),
        ("tap-8x8: {name: a}\n", "must hold a list"),
    ],
)
def test_a_list_that_cannot_be_used_is_refused(tmp_path, text, message):
    path = tmp_path / "accounts.yml"
    path.write_text(text)
    with pytest.raises(AccountListError, match=message):
        load_accounts(path)


def test_no_list_means_no_accounts(tmp_path):
    assert load_accounts(tmp_path / "absent.yml") == []
