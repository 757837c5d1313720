"""Row transformers: Snipe-IT's ``app/Http/Transformers``, one function per resource, each returning a dict in
the real key order. ``c`` is the render context (render.Ctx: settings, counts, the viewer); ``c.v7`` selects the
shapes of v7.1.17 where its transformers differ from v8.1.4's (``git diff v7.1.17 v8.1.4 --
app/Http/Transformers``)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from .data import CUSTOM_FIELDS, DEPRECIATIONS, ENCRYPTED_FIELDS, FIELDSETS, GROUPS, add_months, months_between, \
    ts_to_iso
from .render import APP_URL, ENCRYPTED_PLACEHOLDER, age, e, en, full_name, md


def t_company(c, r):
    # under a company scope the other companies' withCount()s count nothing (companies_company_2_viewer.json)
    scoped = c.view.count_company
    stock = (lambda n: n or 0) if scoped is None or scoped[1] == r.id else (lambda n: 0)
    return {
        "id": r.id, "name": e(r.name), "phone": en(r.phone), "fax": en(r.fax), "email": en(r.email),
        "image": (APP_URL + "/uploads/companies/" + e(r.image)) if r.image else None,
        "assets_count": c.cnt("company_assets", r.id), "licenses_count": stock(r.licenses_count),
        "accessories_count": stock(r.accessories_count), "consumables_count": stock(r.consumables_count),
        "components_count": stock(r.components_count), "users_count": c.cnt("company_users", r.id),
        "created_by": c.user_ref(r.created_by), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": c.cnt("company_assets", r.id) == 0 and c.cnt("company_users", r.id) == 0},
    }


def t_user(c, r, nested=False):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None:
            manager = {"id": m.id, "name": e(m.first_name) + " " + e(m.last_name)}
    cnt = (lambda k: 0) if nested else (lambda k: c.cnt(k, r.id))
    name = e(r.first_name) + (" " + e(r.last_name) if r.last_name else "")
    avatar = (APP_URL + "/uploads/avatars/" + e(r.avatar)) if r.avatar else APP_URL + "/uploads/default.png"
    deleted = r.deleted_at is not None
    groups = None
    if r.groups:
        groups = {"total": len(r.groups), "rows": [{"id": g, "name": e(GROUPS.get(g, "Group %d" % g))} for g in r.groups]}
    return {
        "id": r.id, "avatar": avatar, "name": name, "first_name": e(r.first_name), "last_name": e(r.last_name),
        "username": e(r.username), "remote": bool(r.remote), "locale": en(r.locale),
        "employee_num": en(r.employee_num), "manager": manager, "jobtitle": en(r.jobtitle), "vip": bool(r.vip),
        "phone": en(r.phone), "website": en(r.website), "address": en(r.address), "city": en(r.city),
        "state": en(r.state), "country": en(r.country), "zip": en(r.zip), "email": en(r.email),
        "department": c.ref("departments", r.department_id),
        "location": c.ref("locations", r.location_id, with_trashed=True),
        "notes": md(r.notes), "permissions": dict(r.permissions or {}), "activated": bool(r.activated),
        "autoassign_licenses": bool(r.autoassign_licenses), "ldap_import": bool(r.ldap_import),
        "two_factor_enrolled": bool(r.two_factor_enrolled), "two_factor_optin": bool(r.two_factor_optin),
        "assets_count": cnt("user_assets"), "licenses_count": 0, "accessories_count": 0, "consumables_count": 0,
        "manages_users_count": cnt("user_manages_users"), "manages_locations_count": cnt("user_manages_locations"),
        "company": c.ref("companies", r.company_id), "created_by": c.user_ref(r.created_by),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "start_date": c.d(r.start_date), "end_date": c.d(r.end_date), "last_login": c.dt(r.last_login),
        "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "delete": not deleted and r.id != 1, "clone": not deleted,
                              "restore": deleted},
        "groups": groups,
    }


def t_location(c, r):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None and m.deleted_at is None:
            manager = t_user(c, m, nested=True)
    children = [{"id": ch, "name": c.t["locations"][ch].name} for ch in c.counts.get("loc_children", {}).get(r.id, ())]
    row = {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/locations/" + e(r.image)) if r.image else None,
        "address": en(r.address), "address2": en(r.address2), "city": en(r.city), "state": en(r.state),
        "country": en(r.country), "zip": en(r.zip), "phone": en(r.phone), "fax": en(r.fax),
        "accessories_count": 0, "assigned_accessories_count": 0,
        "assigned_assets_count": c.cnt("loc_assigned", r.id), "assets_count": c.cnt("loc_assets", r.id),
        "rtd_assets_count": c.cnt("loc_rtd", r.id), "users_count": c.cnt("loc_users", r.id),
        "currency": en(r.currency), "ldap_ou": en(r.ldap_ou), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "parent": c.ref("locations", r.parent_id), "manager": manager,
        "company": c.ref("companies", r.company_id), "children": children,
        "available_actions": {"update": True, "delete": False, "bulk_selectable": {"delete": False}, "clone": True},
    }
    if c.v7:  # LocationsTransformer gained "company" in v8
        del row["company"]
    return row


CATEGORY_TYPES = {"asset": "Asset", "accessory": "Accessory", "consumable": "Consumable",
                  "component": "Component", "license": "License"}


def t_category(c, r):
    n = c.cnt("cat_assets", r.id)
    eula = None
    if r.eula_text:
        eula = "<p>" + (md(r.eula_text) or "") + "</p>"
    return {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/categories/" + e(r.image)) if r.image else None,
        "category_type": CATEGORY_TYPES.get(r.category_type, r.category_type),
        "has_eula": bool(r.eula_text or r.use_default_eula), "use_default_eula": bool(r.use_default_eula),
        "eula": eula, "checkin_email": bool(r.checkin_email), "require_acceptance": bool(r.require_acceptance),
        "item_count": n, "assets_count": n, "accessories_count": 0, "consumables_count": 0,
        "components_count": 0, "licenses_count": 0, "created_by": c.user_ref(r.created_by), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def t_manufacturer(c, r):
    deleted = r.deleted_at is not None
    return {
        "id": r.id, "name": e(r.name), "url": e(r.url),
        "image": (APP_URL + "/uploads/manufacturers/" + e(r.image)) if r.image else None,
        "support_url": e(r.support_url), "warranty_lookup_url": e(r.warranty_lookup_url),
        "support_phone": e(r.support_phone), "support_email": e(r.support_email),
        "assets_count": c.cnt("man_assets", r.id), "licenses_count": 0, "consumables_count": 0,
        "accessories_count": 0, "components_count": 0, "notes": md(r.notes),
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at), "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "restore": deleted,
                              "delete": not deleted and c.cnt("man_assets", r.id) == 0},
    }


def t_supplier(c, r, single=False):
    return {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/suppliers/" + e(r.image)) if r.image else None,
        "url": e(r.url), "address": e(r.address), "address2": e(r.address2), "city": e(r.city),
        "state": e(r.state), "country": e(r.country), "zip": e(r.zip) if single else "", "fax": e(r.fax),
        "phone": e(r.phone), "email": e(r.email), "contact": e(r.contact),
        "assets_count": c.cnt("sup_assets", r.id), "accessories_count": 0, "licenses_count": 0,
        "consumables_count": 0, "components_count": 0, "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": c.cnt("sup_assets", r.id) == 0},
    }


def t_model(c, r):
    deleted = r.deleted_at is not None
    n = c.cnt("model_assets", r.id)
    fs = FIELDSETS.get(r.fieldset_id) if r.fieldset_id else None
    dfv = []
    if fs:
        for fid in fs[1]:
            name, col, fmt, _el = CUSTOM_FIELDS[fid]
            dfv.append({"name": e(name), "db_column_name": e(col), "default_value": None, "format": e(fmt),
                        "required": False})
    dep = None
    if r.depreciation_id in DEPRECIATIONS:
        dep = {"id": r.depreciation_id, "name": e(DEPRECIATIONS[r.depreciation_id][0])}
    row = {
        "id": r.id, "name": e(r.name), "manufacturer": c.ref("manufacturers", r.manufacturer_id),
        "image": (APP_URL + "/uploads/models/" + e(r.image)) if r.image else None,
        "model_number": e(r.model_number) if c.v7 else en(r.model_number), "min_amt": r.min_amt or None,
        "remaining": n - (r.min_amt or 0), "depreciation": dep, "assets_count": n,
        "category": c.ref("categories", r.category_id),
        "fieldset": {"id": r.fieldset_id, "name": e(fs[0])} if fs else None,
        "default_fieldset_values": dfv,
        "eol": ("%d months" % r.eol) if r.eol else "None", "requestable": bool(r.requestable),
        "notes": md(r.notes), "created_by": c.user_ref(r.created_by),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at), "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "delete": not deleted and n == 0, "clone": True,
                              "restore": deleted},
    }
    if c.v7:  # AssetModelsTransformer gained "remaining" in v8
        del row["remaining"]
    return row


def t_statuslabel(c, r):
    n = c.cnt("status_assets", r.id)
    return {
        "id": r.id, "name": e(r.name), "type": r.type, "color": en(r.color), "show_in_nav": bool(r.show_in_nav),
        "default_label": bool(r.default_label), "assets_count": n, "notes": e(r.notes),
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def t_department(c, r):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None and m.deleted_at is None:
            manager = {"id": m.id, "name": e(full_name(m)), "first_name": e(m.first_name),
                       "last_name": e(m.last_name)}
    n = c.cnt("dept_users", r.id)
    return {
        "id": r.id, "name": e(r.name), "phone": en(r.phone), "fax": en(r.fax),
        "image": (APP_URL + "/uploads/departments/" + e(r.image)) if r.image else None,
        "company": c.ref("companies", r.company_id), "manager": manager,
        "location": c.ref("locations", r.location_id), "users_count": e(n), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def _slug(s):
    out = []
    for ch in s.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)


def book_value(c, r, model):
    if model is None or model.depreciation_id not in DEPRECIATIONS or r.purchase_cost is None or not r.purchase_date:
        return None
    months = DEPRECIATIONS[model.depreciation_id][1]
    now = datetime.fromtimestamp(c.now, timezone.utc).strftime("%Y-%m-%d")
    elapsed = max(0, months_between(r.purchase_date, now))
    v = r.purchase_cost - r.purchase_cost * min(elapsed, months) / months
    return c.money(round(max(v, 0.0), 2))


def _asset_status(r, s):
    if s is None:
        return None
    return {"id": s.id, "name": e(s.name), "status_type": e(s.type),
            "status_meta": "deployed" if r.assigned_to else e(s.type)}


def _asset_image(r, m):
    if r.image:
        return APP_URL + "/uploads/assets/" + e(r.image)
    if m is not None and m.image:
        return APP_URL + "/uploads/models/" + e(m.image)
    return None


def _asset_assigned_to(c, r):
    t = c.t
    if r.assigned_to is None:
        return None
    if r.assigned_type == "user":
        u = t["users"].get(r.assigned_to)
        if u is not None:
            return {"id": u.id, "username": e(u.username), "name": e(full_name(u)),
                    "first_name": e(u.first_name), "last_name": en(u.last_name), "email": en(u.email),
                    "employee_number": en(u.employee_num), "type": "user"}
    elif r.assigned_type == "location":
        location = t["locations"].get(r.assigned_to)
        if location is not None:
            return {"id": location.id, "name": e(location.name), "type": "location"}
    elif r.assigned_type == "asset":
        a = t["hardware"].get(r.assigned_to)
        if a is not None:
            am = t["models"].get(a.model_id)
            return {"id": a.id, "name": e("%s (%s) - %s" % (a.name or "", a.asset_tag, am.name if am else "")),
                    "type": "asset"}
    return None


def _asset_eol(c, r, m):
    if c.s.get("eol_as_date_object"):
        return c.d(add_months(r.purchase_date, m.eol if m else None))
    if r.purchase_date and r.asset_eol_date:
        return "%d months" % months_between(r.purchase_date, r.asset_eol_date)
    return None


def _asset_custom_fields(c, r, m):
    """Keyed by display name; values escaped, DATE ones in the display format, encrypted ones hidden from a
    viewer who may not decrypt them."""
    if m is None or m.fieldset_id not in FIELDSETS or not FIELDSETS[m.fieldset_id][1]:
        return [] if c.s.get("custom_fields_empty_as_list") else {}
    values = r.custom_fields or {}
    out = {}
    for fid in FIELDSETS[m.fieldset_id][1]:
        name, column, fmt, element = CUSTOM_FIELDS[fid]
        v = values.get(column)
        if fid in ENCRYPTED_FIELDS and v and not c.decrypt:
            v = ENCRYPTED_PLACEHOLDER
        elif fmt == "DATE" and v:
            v = c.date_formatted(v)
        out[name] = {"field": column, "value": e(v), "field_format": fmt, "element": element}
    return out


def _asset_actions(c, r, status_type):
    deleted = r.deleted_at is not None
    actions = {"checkout": bool(status_type == "deployable" and not r.assigned_to and not deleted),
               "checkin": bool(r.assigned_to) and not deleted, "clone": True, "restore": deleted,
               "update": not deleted, "audit": not deleted, "delete": not deleted and not r.assigned_to}
    if c.v7:  # AssetsTransformer gained the "audit" action in v8
        del actions["audit"]
    return actions


def t_asset(c, r):
    m = c.t["models"].get(r.model_id)
    s = c.t["statuslabels"].get(r.status_id)
    status_type = s.type if s is not None else None
    deleted = r.deleted_at is not None
    return {
        "id": r.id, "name": e(r.name), "asset_tag": e(r.asset_tag), "serial": e(r.serial),
        "model": c.ref("models", r.model_id, with_trashed=True), "byod": bool(r.byod),
        "requestable": bool(r.requestable), "model_number": en(m.model_number) if m is not None else None,
        "eol": _asset_eol(c, r, m), "asset_eol_date": c.d(r.asset_eol_date), "status_label": _asset_status(r, s),
        "category": c.ref("categories", m.category_id) if m is not None else None,
        "manufacturer": c.ref("manufacturers", m.manufacturer_id) if m is not None else None,
        "supplier": c.ref("suppliers", r.supplier_id),
        "notes": md(r.notes), "order_number": en(r.order_number), "company": c.ref("companies", r.company_id),
        "location": c.ref("locations", r.location_id), "rtd_location": c.ref("locations", r.rtd_location_id),
        "image": _asset_image(r, m), "qr": None,
        "alt_barcode": APP_URL + "/uploads/barcodes/-" + _slug(r.asset_tag or "") + ".png",
        "assigned_to": _asset_assigned_to(c, r),
        "warranty_months": ("%d months" % r.warranty_months) if r.warranty_months else None,
        "warranty_expires": c.d(add_months(r.purchase_date, r.warranty_months)) if r.warranty_months else None,
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at), "last_audit_date": c.dt(r.last_audit_date),
        "next_audit_date": c.d(r.next_audit_date), "deleted_at": c.dt(r.deleted_at),
        "purchase_date": c.d(r.purchase_date), "age": age(r.purchase_date, c.now),
        "last_checkout": c.dt(r.last_checkout), "last_checkin": c.dt(r.last_checkin),
        "expected_checkin": c.d(r.expected_checkin), "purchase_cost": c.money(r.purchase_cost),
        "checkin_counter": r.checkin_counter or 0, "checkout_counter": r.checkout_counter or 0,
        "requests_counter": r.requests_counter or 0,
        "user_can_checkout": bool(status_type == "deployable" and not r.assigned_to and not deleted),
        "book_value": book_value(c, r, m), "custom_fields": _asset_custom_fields(c, r, m),
        "available_actions": _asset_actions(c, r, status_type),
    }


# --- the later resources ---------------------------------------------------------------------------------------


def _ref(table, rid):
    r = table.get(rid) if rid is not None else None
    return None if r is None else {"id": rid, "name": e(r.name)}


def _user(c, uid):
    u = c.t["users"].get(uid) if uid is not None else None
    return None if u is None else {"id": uid, "name": e(full_name(u))}


def _numeric(x):
    """The DECIMAL column as PDO hands it to PHP: a string with two decimals ("299.99"), null when empty."""
    return None if x is None else "%.2f" % x


def _dates(c, r, deleted=False):
    out = {"created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at)}
    if deleted:
        out["deleted_at"] = c.dt(r.deleted_at)
    return out


def t_license(c, r):
    free = c.free_seats(r.id)
    t = c.t
    row = dict(id=r.id, name=e(r.name), company=_ref(t["companies"], r.company_id),
               manufacturer=_ref(t["manufacturers"], r.manufacturer_id), product_key=e(r.serial),
               order_number=en(r.order_number), purchase_order=en(r.purchase_order),
               purchase_date=c.d(r.purchase_date), termination_date=c.d(r.termination_date),
               depreciation=_ref(t["depreciations"], r.depreciation_id),
               purchase_cost=c.money(r.purchase_cost), purchase_cost_numeric=_numeric(r.purchase_cost),
               notes=md(r.notes), expiration_date=c.d(r.expiration_date), seats=r.seats,
               free_seats_count=free, remaining=free, min_amt=r.min_amt or None,
               license_name=en(r.license_name), license_email=en(r.license_email),
               reassignable=r.reassignable, maintained=r.maintained,
               supplier=_ref(t["suppliers"], r.supplier_id), category=_ref(t["categories"], r.category_id),
               created_by=_user(c, r.created_by), **_dates(c, r, True), user_can_checkout=free > 0,
               available_actions={"checkout": True, "checkin": True, "clone": True, "update": True,
                                  "delete": True})
    if c.v7:  # LicensesTransformer gained "remaining" in v8
        del row["remaining"]
    return row


def _stock_refs(c, r):
    t = c.t
    return dict(company=_ref(t["companies"], r.company_id), manufacturer=_ref(t["manufacturers"], r.manufacturer_id),
                supplier=_ref(t["suppliers"], r.supplier_id), category=_ref(t["categories"], r.category_id),
                location=_ref(t["locations"], r.location_id))


def t_accessory(c, r):
    """AccessoriesTransformer: v8 sends min_amt/remaining next to their old names min_qty/remaining_qty."""
    f = _stock_refs(c, r)
    remaining = r.qty - r.checkouts_count
    row = dict(id=r.id, name=e(r.name), image=None, company=f["company"], manufacturer=f["manufacturer"],
               supplier=f["supplier"], model_number=en(r.model_number), category=f["category"],
               location=f["location"], notes=md(r.notes), qty=r.qty if r.qty else None,
               purchase_date=c.d(r.purchase_date), purchase_cost=c.money(r.purchase_cost),
               order_number=en(r.order_number), min_qty=r.min_amt or None, min_amt=r.min_amt or None,
               remaining_qty=remaining, remaining=remaining, checkouts_count=r.checkouts_count,
               created_by=_user(c, r.created_by), **_dates(c, r),
               available_actions={"checkout": remaining > 0, "checkin": False, "update": True, "delete": True,
                                  "clone": True},
               user_can_checkout=remaining > 0)
    if c.v7:
        del row["min_amt"], row["remaining"]
    return row


def t_consumable(c, r):
    f = _stock_refs(c, r)
    remaining = r.qty - r.checkouts_count
    return dict(id=r.id, name=e(r.name), image=None, category=f["category"], company=f["company"],
                item_no=e(r.item_no), location=f["location"], manufacturer=f["manufacturer"],
                supplier=f["supplier"], min_amt=r.min_amt or 0, model_number=en(r.model_number),
                remaining=remaining, order_number=e(r.order_number),
                purchase_cost=c.money(r.purchase_cost), purchase_date=c.d(r.purchase_date),
                qty=r.qty, notes=md(r.notes), created_by=_user(c, r.created_by), **_dates(c, r),
                user_can_checkout=remaining > 0,
                available_actions={"checkout": True, "checkin": True, "update": True, "delete": True,
                                   "clone": True})


def t_component(c, r):
    f = _stock_refs(c, r)
    remaining = r.qty - r.checkouts_count
    # user_can_checkout is an int here (1/0), unlike every other transformer
    return dict(id=r.id, name=e(r.name), image=None, serial=en(r.serial), location=f["location"],
                qty=r.qty, min_amt=r.min_amt, category=f["category"], supplier=f["supplier"],
                manufacturer=f["manufacturer"], model_number=en(r.model_number), order_number=e(r.order_number),
                purchase_date=c.d(r.purchase_date), purchase_cost=c.money(r.purchase_cost),
                remaining=remaining, company=f["company"], notes=md(r.notes),
                created_by=_user(c, r.created_by), **_dates(c, r), user_can_checkout=1 if remaining > 0 else 0,
                available_actions={"checkout": True, "checkin": True, "update": True, "delete": True})


def _maintained_asset(c, a):
    """The asset, model and status label objects of a maintenance."""
    asset = {"id": a.id, "name": en(a.name), "asset_tag": e(a.asset_tag), "serial": e(a.serial),
             "deleted_at": c.dt(a.deleted_at), "created_at": c.dt(a.created_at), "updated_at": c.dt(a.updated_at)}
    model = status = None
    m = c.t["models"].get(a.model_id)
    if m is not None:  # MaintenancesTransformer names the model with its number: "Macbook Pro 13&quot; 5190"
        model = {"id": m.id, "name": e(m.name) + (" " + e(m.model_number) if m.model_number else "")}
    s = c.t["statuslabels"].get(a.status_id)
    if s is not None:
        status = {"id": s.id, "name": e(s.name), "status_type": e(s.type),
                  "status_meta": "deployed" if a.assigned_to else e(s.type)}
    return asset, model, status


def t_maintenance(c, r):
    t = c.t
    a = t["hardware"].get(r.asset_id)
    asset, model, status = _maintained_asset(c, a) if a is not None else (None, None, None)
    ref = (lambda tab, col: _ref(t[tab], getattr(a, col))) if a is not None else (lambda tab, col: None)
    return dict(id=r.id, asset=asset, model=model, status_label=status, company=ref("companies", "company_id"),
                title=en(r.title), location=ref("locations", "location_id"),
                rtd_location=ref("locations", "rtd_location_id"), notes=md(r.notes),
                supplier=_ref(t["suppliers"], r.supplier_id), cost=c.money(r.cost),
                asset_maintenance_type=e(r.asset_maintenance_type), start_date=c.d(r.start_date),
                asset_maintenance_time=r.asset_maintenance_time, completion_date=c.d(r.completion_date),
                user_id=_user(c, r.created_by), created_by=_user(c, r.created_by), **_dates(c, r),
                is_warranty=int(r.is_warranty), available_actions={"update": True, "delete": True})


def t_depreciation(c, r):
    models = sum(1 for m in c.t["models"].values() if m.depreciation_id == r.id and m.deleted_at is None)
    licenses = sum(1 for x in c.t["licenses"].values() if x.depreciation_id == r.id and not x.deleted_at)
    return dict(id=r.id, name=e(r.name), months="%d months" % r.months,
                depreciation_min=r.depreciation_min, assets_count=0, models_count=models, licenses_count=licenses,
                created_by=_user(c, r.created_by), **_dates(c, r),
                available_actions={"update": True, "delete": True})


def t_group(c, r):
    users = sum(1 for u in c.t["users"].values() if r.id in (u.groups or ()) and u.deleted_at is None)
    # v7's GroupsTransformer json_decode()s a column that holds a JSON *string* (the permissions JSON encoded
    # once more), so it sends the string; v8 decodes it into the object (v7-eu/groups.json, groups.json)
    permissions = json.dumps(dict(r.permissions)) if c.v7 else dict(r.permissions)
    return dict(id=r.id, name=e(r.name), permissions=permissions, users_count=users,
                notes=md(r.notes), created_by=_user(c, r.created_by), **_dates(c, r),
                available_actions={"update": True, "delete": True})


def t_field(c, r):
    row = dict(id=r.id, name=e(r.name), db_column_name=e(r.db_column), format=e(r.format),
               field_values=en(r.field_values),
               # split on "\r\n" only: a listbox typed with "\n" comes back as one value ("Yes\nNo"), as in fields.json
               field_values_array=[e(v) for v in r.field_values.split("\r\n")] if r.field_values else None,
               type=e(r.element), required=False,
               display_in_user_view=r.display_in_user_view, auto_add_to_fieldsets=r.auto_add_to_fieldsets,
               show_in_listview=r.show_in_listview, display_checkin=False, display_checkout=False,
               display_audit=False, **_dates(c, r))
    if c.v7:  # CustomFieldsTransformer gained the display_* flags in v8
        del row["display_checkin"], row["display_checkout"], row["display_audit"]
    return row


def t_fieldset(c, r):
    fields = [t_field(c, c.t["fields"][f]) for f in r.fields]
    models = [{"id": m.id, "name": e(m.name)} for m in c.t["models"].values() if m.fieldset_id == r.id]
    return dict(id=r.id, name=e(r.name), fields={"total": len(fields), "rows": fields},
                models={"total": len(models), "rows": models}, **_dates(c, r))


def t_seat(c, r, position=0):
    """LicenseSeatsTransformer. v7 has no updated_at (nor created_at in the nested objects) and names each seat
    "Seat N" by its position in the page served (its $seat_count), so the same seat changes name from page to
    page (v7-eu/license_seats.json)."""
    u = c.t["users"].get(r.assigned_to) if r.assigned_to else None
    a = c.t["hardware"].get(r.asset_id) if r.asset_id else None
    stamp = {} if c.v7 else {"created_at": c.dt(r.created_at)}
    row = dict(id=r.id, license_id=r.license_id, updated_at=c.dt(r.updated_at),
               assigned_user=dict({"id": u.id, "name": e(full_name(u)), "email": e(u.email),
                                   "department": _ref(c.t["departments"], u.department_id)}, **stamp)
               if u is not None else None,
               assigned_asset=dict({"id": a.id, "name": e(a.name or a.asset_tag)}, **stamp) if a is not None else None,
               location=None, reassignable=bool(c.t["licenses"][r.license_id].reassignable), notes=e(r.notes),
               user_can_checkout=not r.assigned_to and not r.asset_id)
    if c.v7:
        del row["updated_at"]
        if position:
            row["name"] = "Seat %d" % position
    row["available_actions"] = {"checkout": True, "checkin": True, "clone": True, "update": True, "delete": True}
    return row


ICONS = {"update": "fa-solid fa-pen", "create new": "fa-solid fa-plus", "checkout": "fa-solid fa-rotate-left",
         "checkin from": "fa-solid fa-rotate-right", "audit": "fa-solid fa-clipboard-check",
         "delete": "fa-solid fa-trash", "restore": "fa-solid fa-trash-arrow-up"}
LOG_TYPES = {"hardware": "asset", "users": "user", "licenses": "license", "accessories": "accessory",
             "consumables": "consumable", "components": "component", "models": "model"}


def _clean_meta(meta):
    """ActionlogsTransformer::clean_field(): each changed column's old/new value escaped."""
    if not meta:
        return None
    return {k: {"old": e(v.get("old")), "new": e(v.get("new"))} for k, v in meta.items()}


def _log_item(c, r):
    item = c.t.get(r.item_type, {}).get(r.item_id)
    if item is None:
        return None, None
    name = full_name(item) if r.item_type == "users" else item.name
    return item, {"id": r.item_id, "name": e(name), "type": LOG_TYPES.get(r.item_type, r.item_type),
                  "serial": en(getattr(item, "serial", None))}


def t_activity(c, r):
    """ActionlogsTransformer: no available_actions; next_audit_date only for asset items; target for checkouts."""
    item, item_ref = _log_item(c, r)
    admin = c.t["users"].get(r.created_by) if r.created_by else None
    who = {"id": admin.id, "name": e(full_name(admin)), "first_name": e(admin.first_name),
           "last_name": e(admin.last_name)} if admin is not None else None
    target = None
    if r.target_type == "user":
        u = c.t["users"].get(r.target_id)
        if u is not None:
            target = {"id": u.id, "name": e(full_name(u)), "type": "user"}
    next_audit = None
    if r.item_type == "hardware" and item is not None:
        next_audit = c.d(item.next_audit_date or ts_to_iso(r.created_at)[:10])
    icon = "fa-solid fa-user-plus" if (r.item_type == "users" and r.action_type == "create new") else \
        ICONS.get(r.action_type, "fa-solid fa-barcode")
    # the note goes through Parsedown like every notes column (ActionlogsTransformer, v7.1.17 and v8.1.4:
    # Helper::parseEscapedMarkedownInline($actionlog->note)); a plain "c&o <note>" comes out as
    # "c&amp;o &lt;note&gt;" (fmcs-mdY/activity_notes.json)
    return dict(id=r.id, icon=icon, file=None, item=item_ref, location=None,
                created_at=c.dt(r.created_at), updated_at=c.dt(r.updated_at), next_audit_date=next_audit,
                days_to_next_audit=0, action_type=r.action_type, admin=who, created_by=who, target=target,
                note=md(r.note), signature_file=None, log_meta=_clean_meta(r.log_meta), remote_ip=r.remote_ip,
                user_agent=r.user_agent, action_source=r.action_source, action_date=c.dt(r.action_date))


TRANSFORMERS = {
    "hardware": t_asset, "users": t_user, "companies": t_company, "locations": t_location,
    "categories": t_category, "manufacturers": t_manufacturer, "suppliers": t_supplier, "models": t_model,
    "statuslabels": t_statuslabel, "departments": t_department, "licenses": t_license, "accessories": t_accessory,
    "consumables": t_consumable, "components": t_component, "maintenances": t_maintenance,
    "depreciations": t_depreciation, "groups": t_group, "fields": t_field, "fieldsets": t_fieldset,
    "seats": t_seat, "activity": t_activity,
}
