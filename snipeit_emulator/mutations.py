"""Changes to the ten mutable tables (what a user does in the web UI between two syncs), each logged in the
activity table as the real model observers log it."""
from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import datetime, timezone

from .data import (CUSTOM_FIELDS, DATA_NOW, FIELDSETS, HARD_DELETE, RESOURCES, SCHEMAS, TIMESTAMP_FIELDS, add_months,
                   iso_to_ts, new_row, ts_to_datestr)

OPS = ("update", "insert", "delete", "hard_delete", "archive", "restore")
# action_logs.action_type of each operation
ACTION_WORDS = {"insert": "create new", "update": "update", "delete": "delete", "restore": "restore",
                "archive": "update", "hard_delete": "delete"}
_NEW_NAMES = {"companies": "New Company %d", "locations": "New Location %d", "categories": "New Category %d",
              "manufacturers": "New Manufacturer %d", "suppliers": "New Supplier %d", "models": "New Model %d",
              "statuslabels": "New Status %d", "departments": "New Department %d"}


def apply_mutation(ds, resource, op, ids=None, count=None, fields=None, now=None):
    """Apply one operation to rows of ``resource``; returns the ids of the rows it changed."""
    if resource not in RESOURCES:  # the later resources are read-only: their rows are generated
        raise KeyError("unknown resource %r (mutable: %s)" % (resource, ", ".join(RESOURCES)))
    if op not in OPS:
        raise ValueError("unknown op %r" % op)
    now = int(now if now is not None else datetime.now(timezone.utc).timestamp())
    fields = _coerce_fields(resource, fields)
    with ds.lock:
        ds.mutation_counter += 1
        rng = random.Random(ds.seed * 7919 + ds.mutation_counter)
        if op == "insert":
            out = _insert(ds, resource, rng, now, fields, int(count if count is not None else (len(ids) if ids else 1)))
        else:
            out = _change(ds, resource, op, _target_ids(ds, resource, op, ids, count, rng), fields, now)
        ds.bump()
        _log(ds, resource, op, out, now)
        return out


def _coerce_fields(res, fields):
    out = {}
    for k, v in (fields or {}).items():
        if k == "id" or k not in SCHEMAS[res]:
            raise KeyError("unknown field %r for %s" % (k, res))
        if k in TIMESTAMP_FIELDS:
            v = iso_to_ts(v)
        elif k == "purchase_cost" and v is not None:
            v = round(float(v), 2)
        elif k == "groups" and v is not None:
            v = tuple(v)
        out[k] = v
    return out


def _set_fields(row, fields):
    for k, v in fields.items():
        if k == "custom_fields" and isinstance(v, dict) and row.custom_fields is not None:
            v = dict(row.custom_fields, **v)  # merged: a change names only the fields it changes
        setattr(row, k, v)


def _insert(ds, res, rng, now, fields, n):
    out = []
    for _ in range(n):
        row = new_row_like(ds, res, ds.next_id[res], rng, now)
        _set_fields(row, fields)
        ds.add(res, row)
        out.append(row.id)
    return out


def _target_ids(ds, res, op, ids, count, rng):
    """The given ids, or ``count`` rows picked pseudo-randomly among those the operation applies to."""
    table = ds.tables[res]
    if ids is None:
        if op == "restore":
            candidates = [k for k, r in table.items() if getattr(r, "deleted_at", None) is not None]
        elif op == "hard_delete":
            candidates = list(table)
        else:
            candidates = [k for k, r in table.items() if getattr(r, "deleted_at", None) is None]
            if op == "archive":
                candidates = [k for k in candidates if not ds.status_archived(table[k].status_id)]
        candidates.sort()
        ids = sorted(rng.sample(candidates, min(int(count or 1), len(candidates))))
    ids = [int(i) for i in ids]
    missing = [i for i in ids if i not in table]
    if missing:
        raise KeyError("unknown %s ids: %s" % (res, missing))
    return ids


def _change(ds, res, op, ids, fields, now):
    table = ds.tables[res]
    for rid in ids:
        row = table[rid]
        if op == "update":
            _set_fields(row, fields)
            if "updated_at" not in fields:
                row.updated_at = now
        elif op == "hard_delete" or (op == "delete" and res in HARD_DELETE):
            del table[rid]
        elif op == "delete":
            row.deleted_at = row.updated_at = now
        elif op == "restore":
            if res in HARD_DELETE:
                raise ValueError("%s cannot be restored" % res)
            row.deleted_at = None
            row.updated_at = now
        else:
            _archive(ds, res, row, fields, now)
    return ids


def _archive(ds, res, row, fields, now):
    """Move an asset to the first archived status label, checking it in."""
    if res != "hardware":
        raise ValueError("archive only applies to hardware")
    archived = sorted(k for k, s in ds.tables["statuslabels"].items() if s.type == "archived")
    if not archived:
        raise ValueError("no archived status label")
    row.status_id = fields.get("status_id", archived[0])
    row.assigned_to = row.assigned_type = None
    row.updated_at = now


def new_row_like(ds, res, rid, rng, now):
    """A fresh plausible row for inserts."""
    base = dict(id=rid, created_at=now, updated_at=now)
    if res == "hardware":
        return _new_asset(ds, rng, now, base)
    if res == "users":
        return new_row("users", first_name="New", last_name="User %d" % rid, username="newuser%d" % rid,
                       email="newuser%d@example.com" % rid, remote=False, vip=False, permissions={},
                       activated=True, autoassign_licenses=True, ldap_import=False,
                       two_factor_enrolled=False, two_factor_optin=False, created_by=1, groups=(), **base)
    extra = {}
    if res == "categories":
        extra = dict(category_type="asset", use_default_eula=False, checkin_email=False, require_acceptance=False)
    elif res == "models":
        extra = dict(requestable=False)
    elif res == "statuslabels":
        extra = dict(type="deployable", show_in_nav=False, default_label=False)
    elif res == "companies":
        extra = dict(licenses_count=0, accessories_count=0, consumables_count=0, components_count=0)
    return new_row(res, name=_NEW_NAMES[res] % rid, **extra, **base)


def _new_asset(ds, rng, now, base):
    rid = base["id"]
    models = sorted(k for k, m in ds.tables["models"].items() if m.deleted_at is None)
    labels = sorted(k for k, s in ds.tables["statuslabels"].items() if s.type == "deployable")
    model_id = rng.choice(models) if models else None
    model = ds.tables["models"].get(model_id)
    custom = None
    if model is not None and model.fieldset_id:
        custom = {CUSTOM_FIELDS[f][1]: None for f in FIELDSETS[model.fieldset_id][1]}
        custom["_snipeit_mac_address_1"] = "02:00:00:%02x:%02x:%02x" % (rid >> 16 & 255, rid >> 8 & 255, rid & 255)
    purchase_date = ts_to_datestr(now)
    return new_row("hardware", name="New Asset %d" % rid, asset_tag="N-%06d" % rid,
                   serial="NSN%08d" % rid, model_id=model_id, status_id=labels[0] if labels else None,
                   byod=False, requestable=False, purchase_date=purchase_date, purchase_cost=1299.0,
                   asset_eol_date=add_months(purchase_date, model.eol if model else None), checkin_counter=0,
                   checkout_counter=0, requests_counter=0, custom_fields=custom, created_by=1, **base)


def _log(ds, resource, op, ids, now):
    """One action_log row per changed row, as the real model observers write it (the admin's change: the log
    takes the company of the item, see Actionlog::boot)."""
    items = ds.tables[resource]
    for rid in ids:
        item = items.get(rid)
        company = getattr(item, "company_id", None) if item is not None and resource != "companies" else None
        ds.add("activity", new_row(
            "activity", id=ds.next_id["activity"], created_at=now, updated_at=now, deleted_at=None, created_by=1,
            action_type=ACTION_WORDS.get(op, op), item_type=resource, item_id=rid, target_type=None,
            target_id=None, note=None, remote_ip="127.0.0.1", user_agent="emulator", action_source="api",
            action_date=now, log_meta=None, company_id=company))


def add_token_user(ds, grant, token):
    """The user a token spec describes, as a row of the users table (an admin creates a user for an API token):
    the spec's ``user_id`` if it names one, else the user with the spec's username, else a new user. The row gets
    the spec's permissions (and company, if the spec names one). Returns the grant with its user's id and
    company."""
    users = ds.tables["users"]
    username = grant.username or "api_" + hashlib.sha1(token.encode("utf-8")).hexdigest()[:8]
    with ds.lock:
        row = users.get(grant.user_id) if grant.user_id is not None else None
        if row is None:
            row = next((u for u in users.values() if u.username == username), None)
        if row is None:
            # created with the generated snapshot, so that the same spec gives the same row on every run
            row = new_row_like(ds, "users", ds.next_id["users"], None, DATA_NOW)
            row.first_name, row.last_name, row.username, row.email = "Token", username, username, None
            ds.add("users", row)
        row.permissions = grant.stored_permissions()
        if grant.sets_company:
            row.company_id = grant.company_id
        ds.bump()
        return replace(grant, user_id=row.id, company_id=row.company_id)
