"""The list endpoints beyond the first ten (Snipe-IT v8.1.4): licenses, license seats, accessories, consumables,
components, maintenances, depreciations, groups, custom fields, fieldsets and the activity report.

This module holds what is particular to them: their generator, their row shapes (``SCHEMAS``, registered into
data.py), their transformers (registered into render.TRANSFORMERS) and their sort allow-lists. Everything else
goes the same way as for the first ten resources: the rows live in ``ds.tables`` as ``__slots__`` objects of RAW
values (unescaped strings, epoch datetimes, "YYYY-MM-DD" dates, float money), the engine lists them (visibility,
search, sort allow-list with its fallback, PHP limit/offset, ties in arbitrary order, cached JSON per row) and
the truth comes from ``Dataset.truth_row``. The registry (registry.py) names each resource's path, permission
and paging quirk: /fields and /fieldsets ignore limit/offset and sort (they return everything); license seats
are always ordered by ``updated_at`` (``sort`` is ignored) and an offset past the end restarts at 0.
"""
from __future__ import annotations

import random

from .data import (CUSTOM_FIELDS, DATA_NOW, DEPRECIATIONS, ENCRYPTED_FIELDS, EPOCH_START, FIELD_VALUES, FIELDSETS,
                   GROUPS, new_row, register_schema, ts_to_iso)
from .render import TRANSFORMERS as ROW_TRANSFORMERS, e, en, md, money, full_name

EXTRA_RESOURCES = ["licenses", "accessories", "consumables", "components", "maintenances", "depreciations",
                   "groups", "fields", "fieldsets", "activity"]
# connector-facing path -> resource (activity lives under reports/)
NOT_FOUND = {"licenses": "License does not exist.", "accessories": "Accessory not found",
             "consumables": "Consumable not found", "components": "Component not found",
             "maintenances": "Maintenance not found", "depreciations": "Depreciation not found",
             "groups": "Group not found", "fields": "Field not found", "fieldsets": "Fieldset not found"}

ALLOWED = {  # direct columns of each controller's $allowed_columns (relation sorts omitted: not used)
    "licenses": "id name purchase_cost expiration_date purchase_order order_number notes purchase_date serial "
                "license_name license_email seats termination_date depreciation_id min_amt".split(),
    "accessories": "id name model_number eol notes created_at min_amt company_id qty".split(),
    "consumables": "id name order_number min_amt purchase_date purchase_cost model_number item_no qty image".split(),
    "components": "id name min_amt order_number model_number serial purchase_date purchase_cost qty image notes".split(),
    "maintenances": "id title asset_maintenance_time asset_maintenance_type cost start_date completion_date notes "
                    "is_warranty".split(),
    "depreciations": "id name months depreciation_min depreciation_type created_at".split(),
    "groups": "id name created_at".split(),
    "activity": "id created_at target_id created_by action_type note remote_ip user_agent target_type "
                "item_type action_source action_date".split(),
}
SOFT_DELETE = {"licenses", "accessories", "consumables", "components", "maintenances", "depreciations"}
LOG_TYPES = {"hardware": "asset", "users": "user", "licenses": "license", "accessories": "accessory",
             "consumables": "consumable", "components": "component", "models": "model"}
ACTION_WORDS = {"insert": "create new", "update": "update", "delete": "delete", "restore": "restore",
                "archive": "update", "hard_delete": "delete"}


def _stamps(rng):
    c = EPOCH_START + int(rng.random() * (DATA_NOW - 86400 * 20 - EPOCH_START))
    u = c + int(rng.random() * (DATA_NOW - 86400 * 2 - c)) if rng.random() < 0.7 else c
    return c, u


def generate(ds, licenses=12, accessories=15, consumables=10, components=8, maintenances=25, activity=60):
    rng = random.Random(ds.seed * 31337)
    t = ds.tables
    users = sorted(t["users"])
    hardware = sorted(t["hardware"])
    pick = lambda seq: seq[int(rng.random() * len(seq))] if seq else None  # noqa: E731
    opt = lambda p, v: v if rng.random() < p else None  # noqa: E731
    x = {r: {} for r in EXTRA_RESOURCES}
    x["seats"] = {}
    names = ["Office 365 & Teams", 'Adobe "Creative" Cloud', "JetBrains <All Products>", "Slack", "O'Reilly Online",
             "Zoom Pro", "Windows 11 Pro", "AutoCAD", "Müller Licence", "1Password"]
    notes = [None, None, "Renew **early** & check", "<b>bold</b> & co", "plain note"]

    def common(i, **kw):
        c, u = _stamps(rng)
        return dict(id=i, created_at=c, updated_at=u, deleted_at=None, created_by=opt(0.9, 1), **kw)

    for did, (name, months) in DEPRECIATIONS.items():
        x["depreciations"][did] = common(did, name=name, months=months, depreciation_min=0,
                                         depreciation_type="amount")
    for gid, name in GROUPS.items():
        x["groups"][gid] = common(gid, name=name, notes=opt(0.5, "Group & notes"),
                                  permissions={"admin": "1"} if gid == 1 else {"assets.view": "1"})
    for fid, (name, col, fmt, element) in CUSTOM_FIELDS.items():
        x["fields"][fid] = common(fid, name=name, db_column=col, format=fmt, element=element,
                                  field_values=FIELD_VALUES.get(fid), show_in_listview=True,
                                  display_in_user_view=False, auto_add_to_fieldsets=False,
                                  encrypted=fid in ENCRYPTED_FIELDS)
    for fsid, (name, fids) in FIELDSETS.items():
        x["fieldsets"][fsid] = common(fsid, name=name, fields=list(fids))
    seat_id = 1
    for i in range(1, licenses + 1):
        pd = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        n_seats = rng.choice([1, 2, 5, 10, 30])
        row = common(i, name=names[(i - 1) % len(names)] + ("" if i <= len(names) else " %d" % i),
                     serial=opt(0.8, "LIC-%06d" % rng.randint(0, 999999)), seats=n_seats,
                     company_id=opt(0.6, pick(sorted(t["companies"]))),
                     manufacturer_id=opt(0.7, pick(sorted(t["manufacturers"]))),
                     supplier_id=opt(0.5, pick(sorted(t["suppliers"]))),
                     category_id=opt(0.8, pick(sorted(t["categories"]))),
                     depreciation_id=opt(0.3, pick(sorted(DEPRECIATIONS))),
                     order_number=opt(0.5, "PO-%d" % rng.randint(1000, 9999)), purchase_order=opt(0.3, "PO <7>"),
                     purchase_date=opt(0.8, pd), termination_date=opt(0.1, "2026-01-31"),
                     expiration_date=opt(0.6, "2026-%02d-15" % rng.randint(1, 12)),
                     purchase_cost=opt(0.7, round(rng.uniform(10, 25000), 2)), notes=pick(notes),
                     min_amt=opt(0.3, rng.randint(1, 5)), license_name=opt(0.5, "IT & Ops"),
                     license_email=opt(0.5, "it@example.com"), reassignable=rng.random() < 0.8,
                     maintained=rng.random() < 0.5)
        x["licenses"][i] = row
        for _ in range(n_seats):
            assigned = opt(0.4, pick(users))
            asset = None if assigned else opt(0.2, pick(hardware))
            x["seats"][seat_id] = dict(id=seat_id, license_id=i, assigned_to=assigned, asset_id=asset,
                                       notes=opt(0.2, "Seat & note"), created_at=row["created_at"],
                                       updated_at=row["created_at"] if not (assigned or asset) else
                                       row["created_at"] + rng.randint(0, 86400 * 30))
            seat_id += 1
    for res, n, prefix in (("accessories", accessories, "Accessory"), ("consumables", consumables, "Toner"),
                           ("components", components, "RAM module")):
        for i in range(1, n + 1):
            x[res][i] = common(i, name="%s <%d> & co" % (prefix, i) if i % 4 == 0 else "%s %d" % (prefix, i),
                               company_id=opt(0.6, pick(sorted(t["companies"]))),
                               manufacturer_id=opt(0.7, pick(sorted(t["manufacturers"]))),
                               supplier_id=opt(0.5, pick(sorted(t["suppliers"]))),
                               category_id=opt(0.8, pick(sorted(t["categories"]))),
                               location_id=opt(0.7, pick(sorted(t["locations"]))),
                               model_number=opt(0.5, 'MN-%d"' % i), order_number=opt(0.5, "PO-%d" % i),
                               item_no=opt(0.5, "IT-%d" % i), serial=opt(0.5, "SER%05d" % i),
                               qty=rng.randint(0, 50), min_amt=opt(0.5, rng.randint(1, 5)),
                               purchase_date=opt(0.7, "2023-%02d-10" % rng.randint(1, 12)),
                               purchase_cost=opt(0.7, round(rng.uniform(1, 3000), 2)), notes=pick(notes),
                               checkouts_count=0, image=None)
    for i in range(1, maintenances + 1):
        sd = "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        done = opt(0.6, "2025-%02d-01" % rng.randint(1, 5))
        x["maintenances"][i] = common(i, asset_id=pick(hardware), title=pick(["Battery & screen", "Repair",
                                      "Upgrade <RAM>", None]), supplier_id=opt(0.5, pick(sorted(t["suppliers"]))),
                                      asset_maintenance_type=pick(["Maintenance", "Repair", "Upgrade"]),
                                      is_warranty=rng.random() < 0.3, start_date=sd, completion_date=done,
                                      asset_maintenance_time=rng.randint(1, 40) if done else None,
                                      cost=opt(0.6, round(rng.uniform(10, 900), 2)), notes=pick(notes))
    # ids per item table sorted once: a 100,000-entry log must not sort a table per entry
    item_ids = {k: sorted(x[k] if k in x else t[k]) for k in ("hardware", "users", "licenses", "accessories")}
    for i in range(1, activity + 1):
        c = EPOCH_START + int(rng.random() * (DATA_NOW - EPOCH_START))
        item_type = pick(["hardware", "users", "licenses", "accessories"])
        x["activity"][i] = dict(id=i, created_at=c, updated_at=c, deleted_at=None, created_by=opt(0.95, 1),
                                action_type=pick(["checkout", "checkin from", "update", "create new", "audit"]),
                                item_type=item_type, item_id=pick(item_ids[item_type]), target_type=None,
                                target_id=None,
                                note=opt(0.3, "Moved to **HQ** & tagged"), remote_ip=opt(0.5, "10.0.0.%d" % i),
                                user_agent=opt(0.5, "Mozilla/5.0 <test>"), action_source=opt(0.5, "gui"),
                                action_date=c, log_meta=None)
    # activity is appended in creation order: ids ascend with created_at, like the real action_logs table
    ordered = sorted(x["activity"].values(), key=lambda r: (r["created_at"], r["id"]))
    x["activity"] = {}
    for n, r in enumerate(ordered, 1):
        r["id"] = n
        x["activity"][n] = r
    # checkouts name their target user (drawn apart, so the main generator's sequence stays as it was)
    trng = random.Random(ds.seed * 7741)
    for r in x["activity"].values():
        if r["action_type"] in ("checkout", "checkin from") and users:
            r["target_type"], r["target_id"] = "user", users[int(trng.random() * len(users))]
        elif r["action_type"] == "update" and trng.random() < 0.7:
            # the changed columns with their old and new values, stored raw (the transformer escapes them)
            r["log_meta"] = {"notes": {"old": "Created by DB seeder", "new": "edited & <changed> %d" % r["id"]}}
    # soft deletes, one per soft-deleting resource with enough rows
    for res in ("licenses", "accessories", "maintenances"):
        rid = sorted(x[res])[-2]
        x[res][rid]["deleted_at"] = DATA_NOW - 86400
        x[res][rid]["updated_at"] = DATA_NOW - 86400
    return x


_STAMPS = "id created_at updated_at deleted_at created_by".split()
SCHEMAS = {  # row shape of each later resource (the raw columns the generator fills)
    "licenses": _STAMPS + "name serial seats company_id manufacturer_id supplier_id category_id depreciation_id "
                          "order_number purchase_order purchase_date termination_date expiration_date purchase_cost "
                          "notes min_amt license_name license_email reassignable maintained".split(),
    "maintenances": _STAMPS + "asset_id title supplier_id asset_maintenance_type is_warranty start_date "
                              "completion_date asset_maintenance_time cost notes".split(),
    "depreciations": _STAMPS + "name months depreciation_min depreciation_type".split(),
    "groups": _STAMPS + "name notes permissions".split(),
    "fields": _STAMPS + "name db_column format element field_values show_in_listview display_in_user_view "
                        "auto_add_to_fieldsets encrypted".split(),
    "fieldsets": _STAMPS + "name fields".split(),
    "activity": _STAMPS + "action_type item_type item_id target_type target_id note remote_ip user_agent "
                          "action_source action_date log_meta".split(),
    "seats": "id license_id assigned_to asset_id notes created_at updated_at".split(),
}
for _res in ("accessories", "consumables", "components"):
    SCHEMAS[_res] = _STAMPS + "name company_id manufacturer_id supplier_id category_id location_id model_number " \
                              "order_number item_no serial qty min_amt purchase_date purchase_cost notes " \
                              "checkouts_count image".split()
for _res, _fields in SCHEMAS.items():
    register_schema(_res, _fields)
TABLES = EXTRA_RESOURCES + ["seats"]


EXTRA_SIZES = ("licenses", "accessories", "consumables", "components", "maintenances", "activity")


def ensure(ds):
    """Generate the later resources once (sizes from ``Dataset.generate(activity=..., ...)``) and store them in
    ``ds.tables`` next to the first ten."""
    if getattr(ds, "extra", None) is None:
        for res, rows in generate(ds, **getattr(ds, "extra_sizes", {})).items():
            ds.tables[res] = {rid: new_row(res, **r) for rid, r in rows.items()}
        ds.extra = {res: ds.tables[res] for res in TABLES}
    return ds.extra


def log_mutation(ds, resource, op, ids, now):
    """Append one action_log row per mutated row, as the real model observers do."""
    x = ensure(ds)
    log = x["activity"]
    nid = max(log, default=0)
    for rid in ids:
        nid += 1
        log[nid] = new_row("activity", id=nid, created_at=now, updated_at=now, deleted_at=None, created_by=1,
                           action_type=ACTION_WORDS.get(op, op), item_type=resource, item_id=rid,
                           target_type=None, target_id=None, note=None, remote_ip="127.0.0.1",
                           user_agent="emulator", action_source="api", action_date=now, log_meta=None)


# ------------------------------------------------------------------------------------------------
# rendering


def _ref(table, rid, attr="name"):
    r = table.get(rid) if rid is not None else None
    if r is None:
        return None
    name = full_name(r) if attr == "user" else (r.get(attr) if isinstance(r, dict) else getattr(r, attr))
    return {"id": rid, "name": e(name)}


def _numeric(x):
    """The DECIMAL column as PDO hands it to PHP: a string with two decimals ("299.99"), null when empty."""
    return None if x is None else "%.2f" % x


def _date(c, s):
    return {"date": s, "formatted": c.date_formatted(s)} if s else None


def _user(c, uid):
    return _ref(c.t["users"], uid, "user")


def _dates(c, r, deleted=False):
    out = {"created_at": c.dt(r["created_at"]), "updated_at": c.dt(r["updated_at"])}
    if deleted:
        out["deleted_at"] = c.dt(r["deleted_at"])
    return out


def t_license(c, r, x):
    free = sum(1 for s in x["seats"].values() if s["license_id"] == r["id"] and not s["assigned_to"]
               and not s["asset_id"])
    t = c.t
    return dict(id=r["id"], name=e(r["name"]), company=_ref(t["companies"], r["company_id"]),
                manufacturer=_ref(t["manufacturers"], r["manufacturer_id"]), product_key=e(r["serial"]),
                order_number=en(r["order_number"]), purchase_order=en(r["purchase_order"]),
                purchase_date=_date(c, r["purchase_date"]), termination_date=_date(c, r["termination_date"]),
                depreciation=_ref(x["depreciations"], r["depreciation_id"]),
                purchase_cost=money(r["purchase_cost"], c.numfmt), purchase_cost_numeric=_numeric(r["purchase_cost"]),
                notes=md(r["notes"]), expiration_date=_date(c, r["expiration_date"]), seats=r["seats"],
                free_seats_count=free, remaining=free, min_amt=r["min_amt"] or None,
                license_name=en(r["license_name"]), license_email=en(r["license_email"]),
                reassignable=r["reassignable"], maintained=r["maintained"],
                supplier=_ref(t["suppliers"], r["supplier_id"]), category=_ref(t["categories"], r["category_id"]),
                created_by=_user(c, r["created_by"]), **_dates(c, r, True), user_can_checkout=free > 0,
                available_actions={"checkout": True, "checkin": True, "clone": True, "update": True,
                                   "delete": True})


def _stock_refs(c, r):
    t = c.t
    return dict(company=_ref(t["companies"], r["company_id"]),
                manufacturer=_ref(t["manufacturers"], r["manufacturer_id"]),
                supplier=_ref(t["suppliers"], r["supplier_id"]), category=_ref(t["categories"], r["category_id"]),
                location=_ref(t["locations"], r["location_id"]))


def t_accessory(c, r, x):
    """AccessoriesTransformer (v8.1.4): min_qty/remaining_qty next to their old names min_amt/remaining."""
    f = _stock_refs(c, r)
    remaining = r["qty"] - r["checkouts_count"]
    return dict(id=r["id"], name=e(r["name"]), image=None, company=f["company"], manufacturer=f["manufacturer"],
                supplier=f["supplier"], model_number=en(r["model_number"]), category=f["category"],
                location=f["location"], notes=md(r["notes"]), qty=r["qty"] if r["qty"] else None,
                purchase_date=_date(c, r["purchase_date"]), purchase_cost=money(r["purchase_cost"], c.numfmt),
                order_number=en(r["order_number"]), min_qty=r["min_amt"] or None, min_amt=r["min_amt"] or None,
                remaining_qty=remaining, remaining=remaining, checkouts_count=r["checkouts_count"],
                created_by=_user(c, r["created_by"]), **_dates(c, r),
                available_actions={"checkout": remaining > 0, "checkin": False, "update": True, "delete": True,
                                   "clone": True},
                user_can_checkout=remaining > 0)


def t_consumable(c, r, x):
    f = _stock_refs(c, r)
    remaining = r["qty"] - r["checkouts_count"]
    return dict(id=r["id"], name=e(r["name"]), image=None, category=f["category"], company=f["company"],
                item_no=e(r["item_no"]), location=f["location"], manufacturer=f["manufacturer"],
                supplier=f["supplier"], min_amt=r["min_amt"] or 0, model_number=en(r["model_number"]),
                remaining=remaining, order_number=e(r["order_number"]),
                purchase_cost=money(r["purchase_cost"], c.numfmt), purchase_date=_date(c, r["purchase_date"]),
                qty=r["qty"], notes=md(r["notes"]), created_by=_user(c, r["created_by"]), **_dates(c, r),
                user_can_checkout=remaining > 0,
                available_actions={"checkout": True, "checkin": True, "update": True, "delete": True,
                                   "clone": True})


def t_component(c, r, x):
    f = _stock_refs(c, r)
    remaining = r["qty"] - r["checkouts_count"]
    # user_can_checkout is an int here (1/0), unlike every other transformer
    return dict(id=r["id"], name=e(r["name"]), image=None, serial=en(r["serial"]), location=f["location"],
                qty=r["qty"], min_amt=r["min_amt"], category=f["category"], supplier=f["supplier"],
                manufacturer=f["manufacturer"], model_number=en(r["model_number"]), order_number=e(r["order_number"]),
                purchase_date=_date(c, r["purchase_date"]), purchase_cost=money(r["purchase_cost"], c.numfmt),
                remaining=remaining, company=f["company"], notes=md(r["notes"]),
                created_by=_user(c, r["created_by"]), **_dates(c, r), user_can_checkout=1 if remaining > 0 else 0,
                available_actions={"checkout": True, "checkin": True, "update": True, "delete": True})


def t_maintenance(c, r, x):
    t = c.t
    a = t["hardware"].get(r["asset_id"])
    asset = model = status = None
    if a is not None:
        asset = {"id": a.id, "name": en(a.name), "asset_tag": e(a.asset_tag), "serial": e(a.serial),
                 "deleted_at": c.dt(a.deleted_at), "created_at": c.dt(a.created_at),
                 "updated_at": c.dt(a.updated_at)}
        m = t["models"].get(a.model_id)
        if m is not None:  # MaintenancesTransformer names the model with its number: "Macbook Pro 13&quot; 5190"
            model = {"id": m.id, "name": e(m.name) + (" " + e(m.model_number) if m.model_number else "")}
        s = t["statuslabels"].get(a.status_id)
        if s is not None:
            status = {"id": s.id, "name": e(s.name), "status_type": e(s.type),
                      "status_meta": "deployed" if a.assigned_to else e(s.type)}
    ref = (lambda tab, col: _ref(t[tab], getattr(a, col))) if a is not None else (lambda tab, col: None)
    return dict(id=r["id"], asset=asset, model=model, status_label=status, company=ref("companies", "company_id"),
                title=en(r["title"]), location=ref("locations", "location_id"),
                rtd_location=ref("locations", "rtd_location_id"), notes=md(r["notes"]),
                supplier=_ref(t["suppliers"], r["supplier_id"]), cost=money(r["cost"], c.numfmt),
                asset_maintenance_type=e(r["asset_maintenance_type"]), start_date=_date(c, r["start_date"]),
                asset_maintenance_time=r["asset_maintenance_time"], completion_date=_date(c, r["completion_date"]),
                user_id=_user(c, r["created_by"]), created_by=_user(c, r["created_by"]), **_dates(c, r),
                is_warranty=int(r["is_warranty"]), available_actions={"update": True, "delete": True})


def t_depreciation(c, r, x):
    models = sum(1 for m in c.t["models"].values() if m.depreciation_id == r["id"] and m.deleted_at is None)
    lic = sum(1 for l in x["licenses"].values() if l["depreciation_id"] == r["id"] and not l["deleted_at"])
    return dict(id=r["id"], name=e(r["name"]), months="%d months" % r["months"],
                depreciation_min=r["depreciation_min"], assets_count=0, models_count=models, licenses_count=lic,
                created_by=_user(c, r["created_by"]), **_dates(c, r),
                available_actions={"update": True, "delete": True})


def t_group(c, r, x):
    users = sum(1 for u in c.t["users"].values() if r["id"] in (u.groups or ()) and u.deleted_at is None)
    return dict(id=r["id"], name=e(r["name"]), permissions=dict(r["permissions"]), users_count=users,
                notes=md(r["notes"]), created_by=_user(c, r["created_by"]), **_dates(c, r),
                available_actions={"update": True, "delete": True})


def t_field(c, r, x):
    return dict(id=r["id"], name=e(r["name"]), db_column_name=e(r["db_column"]), format=e(r["format"]),
                field_values=en(r["field_values"]),
                # split on "\r\n" only: a listbox typed with "\n" comes back as one value ("Yes\nNo"), as in fields.json
                field_values_array=[e(v) for v in r["field_values"].split("\r\n")] if r["field_values"] else None,
                type=e(r["element"]), required=False,
                display_in_user_view=r["display_in_user_view"], auto_add_to_fieldsets=r["auto_add_to_fieldsets"],
                show_in_listview=r["show_in_listview"], display_checkin=False, display_checkout=False,
                display_audit=False, **_dates(c, r))


def t_fieldset(c, r, x):
    fields = [t_field(c, x["fields"][f], x) for f in r["fields"]]
    models = [{"id": m.id, "name": e(m.name)} for m in c.t["models"].values() if m.fieldset_id == r["id"]]
    return dict(id=r["id"], name=e(r["name"]), fields={"total": len(fields), "rows": fields},
                models={"total": len(models), "rows": models}, **_dates(c, r))


def t_seat(c, r, x):
    u = c.t["users"].get(r["assigned_to"]) if r["assigned_to"] else None
    a = c.t["hardware"].get(r["asset_id"]) if r["asset_id"] else None
    lic = x["licenses"][r["license_id"]]
    return dict(id=r["id"], license_id=r["license_id"], updated_at=c.dt(r["updated_at"]),
                assigned_user={"id": u.id, "name": e(full_name(u)), "email": e(u.email),
                               "department": _ref(c.t["departments"], u.department_id),
                               "created_at": c.dt(r["created_at"])} if u is not None else None,
                assigned_asset={"id": a.id, "name": e(a.name or a.asset_tag),
                                "created_at": c.dt(r["created_at"])} if a is not None else None,
                location=None, reassignable=bool(lic["reassignable"]), notes=e(r["notes"]),
                user_can_checkout=not r["assigned_to"] and not r["asset_id"],
                available_actions={"checkout": True, "checkin": True, "clone": True, "update": True,
                                   "delete": True})


ICONS = {"update": "fa-solid fa-pen", "create new": "fa-solid fa-plus", "checkout": "fa-solid fa-rotate-left",
         "checkin from": "fa-solid fa-rotate-right", "audit": "fa-solid fa-clipboard-check",
         "delete": "fa-solid fa-trash", "restore": "fa-solid fa-trash-arrow-up"}


def _clean_meta(meta):
    """ActionlogsTransformer::clean_field(): each changed column's old/new value escaped."""
    if not meta:
        return None
    return {k: {"old": e(v.get("old")), "new": e(v.get("new"))} for k, v in meta.items()}


def t_activity(c, r, x):
    """ActionlogsTransformer: no available_actions; next_audit_date only for asset items; target for checkouts."""
    res = r["item_type"]
    table = x.get(res) if res in x else c.t.get(res, {})
    item = table.get(r["item_id"]) if table else None
    item_ref = None
    if item is not None:
        name = full_name(item) if res == "users" else (item.get("name") if isinstance(item, dict) else item.name)
        item_ref = {"id": r["item_id"], "name": e(name), "type": LOG_TYPES.get(res, res),
                    "serial": en(getattr(item, "serial", None) if not isinstance(item, dict) else item.get("serial"))}
    admin = c.t["users"].get(r["created_by"]) if r["created_by"] else None
    who = {"id": admin.id, "name": e(full_name(admin)), "first_name": e(admin.first_name),
           "last_name": e(admin.last_name)} if admin is not None else None
    target = None
    if r.get("target_type") == "user":
        u = c.t["users"].get(r["target_id"])
        if u is not None:
            target = {"id": u.id, "name": e(full_name(u)), "type": "user"}
    next_audit = None
    if res == "hardware" and item is not None:
        next_audit = _date(c, item.next_audit_date or ts_to_iso(r["created_at"])[:10])
    icon = "fa-solid fa-user-plus" if (res == "users" and r["action_type"] == "create new") else \
        ICONS.get(r["action_type"], "fa-solid fa-barcode")
    return dict(id=r["id"], icon=icon, file=None, item=item_ref, location=None,
                created_at=c.dt(r["created_at"]), updated_at=c.dt(r["updated_at"]), next_audit_date=next_audit,
                days_to_next_audit=0, action_type=r["action_type"], admin=who, created_by=who, target=target,
                note=md(r["note"]), signature_file=None, log_meta=_clean_meta(r["log_meta"]), remote_ip=r["remote_ip"],
                user_agent=r["user_agent"], action_source=r["action_source"], action_date=c.dt(r["action_date"]))


TRANSFORMERS = {"licenses": t_license, "accessories": t_accessory, "consumables": t_consumable,
                "components": t_component, "maintenances": t_maintenance,
                "depreciations": t_depreciation, "groups": t_group, "fields": t_field, "fieldsets": t_fieldset,
                "seats": t_seat, "activity": t_activity}


def _bind(f):
    # the engine renders every resource as transformer(ctx, row); these also need the other later tables
    return lambda c, r: f(c, r, c.ds.extra)


ROW_TRANSFORMERS.update({res: _bind(f) for res, f in TRANSFORMERS.items()})


def truth(ds, res):
    """Raw rows (datetimes as ISO-8601 UTC) of a later resource; 'license_seats' for the seats of every license
    that is not deleted."""
    x = ensure(ds)
    key = "seats" if res == "license_seats" else res
    with ds.lock:
        return [ds.truth_row(key, r) for _, r in sorted(x[key].items())
                if key != "seats" or not x["licenses"][r.license_id].deleted_at]
