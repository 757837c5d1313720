"""A token of a company's user on an instance with full multiple companies support (the fmcs-mdY captures): the sync
holds exactly what that user may see. The scoped lists answer that company's rows only, the others every row, and
/groups (a superuser's) fails the sync naming the permission, after every other stream was read."""
import pytest

from harness import ALL_STREAMS, emulator_resource, make_config, new_emulator, run_read
from snipeit_emulator import DEFAULT_TOKEN, Dataset
from snipeit_emulator.permissions import VIEW_PERMISSIONS

VIEWER = "token-of-a-viewer-of-company-2-" + "v" * 33
COMPANY = 2
# lists Snipe-IT scopes to the user's company (CompanyableTrait / CompanyableChildTrait; fmcs-mdY/INDEX.md)
SCOPED = {"hardware", "users", "licenses", "components", "accessories", "consumables", "departments", "maintenances",
          "activity", "license_seats"}


@pytest.fixture(scope="module")
def scoped_sync(tmp_path_factory):
    emu = new_emulator(Dataset.generate(seed=2, hardware=400, users=80, licenses=12, accessories=20, consumables=20,
                                        components=20, maintenances=60, activity=300),
                       full_multiple_companies_support=True,
                       tokens={DEFAULT_TOKEN: "all",
                               VIEWER: {"company_id": COMPANY, "permissions": list(VIEW_PERMISSIONS),
                                        "username": "t_fmcs"}})
    try:
        result = run_read(tmp_path_factory.mktemp("scoped"), make_config(emu, api_token=VIEWER), ALL_STREAMS)
        yield emu, result
    finally:
        emu.stop()


def _visible(emu, stream, token):
    return {r["id"] for r in emu.truth(emulator_resource(stream), token=token) if not r.get("deleted_at")}


@pytest.mark.parametrize("stream", [s for s in ALL_STREAMS if s != "groups"])
def test_each_stream_holds_what_the_company_user_may_see(scoped_sync, stream):
    emu, result = scoped_sync
    synced = set(result.ids(stream))
    assert synced == _visible(emu, stream, VIEWER), stream
    everything = _visible(emu, stream, DEFAULT_TOKEN)
    if stream in SCOPED:
        assert synced and synced < everything, f"{stream}: not scoped to company {COMPANY}"
    else:
        assert synced == everything, f"{stream}: an unscoped list lost rows"


def test_scoped_rows_belong_to_the_company(scoped_sync):
    emu, result = scoped_sync
    for stream in ("hardware", "users", "licenses", "accessories", "consumables", "components"):
        companies = {(r.get("company") or {}).get("id") if isinstance(r.get("company"), dict) else r.get("company_id")
                     for r in result.rows(stream)}
        assert companies == {COMPANY}, (stream, companies)


def test_groups_fail_the_sync_naming_the_superuser_permission_and_nothing_else_fails(scoped_sync):
    _, result = scoped_sync
    assert result.ids("groups") == []
    # a stream the token may not read fails the sync (never a silently empty table), after the others were read
    assert result.returncode != 0 and result.errors
    assert "/groups" in result.error_text and "'superuser' permission" in result.error_text
    assert "did not sync successfully: groups:" in result.error_text
    assert VIEWER not in result.stdout + result.stderr
