"""The in-memory database of RAW (unescaped) rows: row shapes, the static tables, the Dataset and its truth.

Raw rows are compact ``__slots__`` objects.  Conventions:

* strings are stored unescaped (``"A&B"``), ``None`` for NULL;
* datetimes are stored as UTC epoch seconds (int) or ``None``;
* dates are stored as ``"YYYY-MM-DD"`` strings or ``None``;
* money is stored as a float with 2 decimals or ``None``;
* booleans are Python bools;
* soft deletion is ``deleted_at`` (epoch) on resources that support it.

The rows are made by generate.py (one generator, one function per table) and changed by mutations.py.
"""
from __future__ import annotations

import calendar
import threading
from datetime import datetime, timezone

# the ten resources a test may mutate (and the connector reads incrementally on updated_at)
RESOURCES = ["hardware", "users", "companies", "locations", "categories",
             "manufacturers", "suppliers", "models", "statuslabels", "departments"]
# the other API lists: read-only, generated from the seed
LATER_RESOURCES = ["licenses", "accessories", "consumables", "components", "maintenances", "depreciations",
                   "groups", "fields", "fieldsets", "activity"]
ALL_RESOURCES = RESOURCES + LATER_RESOURCES
# license seats live in their own table ("seats"); the API lists them under /licenses/{id}/seats
TABLES = ALL_RESOURCES + ["seats"]

_STAMPS = "id created_at updated_at deleted_at created_by "
_STOCK = _STAMPS + ("name company_id manufacturer_id supplier_id category_id location_id model_number order_number "
                    "item_no serial qty min_amt purchase_date purchase_cost notes checkouts_count image")
SCHEMAS = {
    "companies": "id name phone fax email image notes created_by created_at updated_at "
                 "licenses_count accessories_count consumables_count components_count",
    "locations": "id name image address address2 city state country zip phone fax currency ldap_ou notes "
                 "parent_id manager_id company_id created_at updated_at deleted_at",
    "categories": "id name image category_type use_default_eula eula_text checkin_email require_acceptance "
                  "notes created_by created_at updated_at deleted_at",
    "manufacturers": "id name url image support_url warranty_lookup_url support_phone support_email notes "
                     "created_by created_at updated_at deleted_at",
    "suppliers": "id name image url address address2 city state country zip fax phone email contact notes "
                 "created_at updated_at deleted_at",
    "models": "id name manufacturer_id image model_number min_amt depreciation_id category_id fieldset_id eol "
              "requestable notes created_by created_at updated_at deleted_at",
    "statuslabels": "id name type color show_in_nav default_label notes created_by created_at updated_at deleted_at",
    "departments": "id name phone fax image company_id manager_id location_id notes created_at updated_at",
    "users": "id first_name last_name username email avatar remote locale employee_num manager_id jobtitle vip "
             "phone website address city state country zip department_id location_id notes permissions "
             "activated autoassign_licenses ldap_import two_factor_enrolled two_factor_optin company_id "
             "created_by created_at updated_at start_date end_date last_login deleted_at groups",
    "hardware": "id name asset_tag serial model_id status_id byod requestable supplier_id notes order_number "
                "company_id location_id rtd_location_id image assigned_to assigned_type warranty_months "
                "purchase_date purchase_cost asset_eol_date last_audit_date next_audit_date last_checkout "
                "last_checkin expected_checkin checkin_counter checkout_counter requests_counter custom_fields "
                "created_by created_at updated_at deleted_at",
    "licenses": _STAMPS + "name serial seats company_id manufacturer_id supplier_id category_id depreciation_id "
                          "order_number purchase_order purchase_date termination_date expiration_date purchase_cost "
                          "notes min_amt license_name license_email reassignable maintained",
    "accessories": _STOCK, "consumables": _STOCK, "components": _STOCK,
    "maintenances": _STAMPS + "asset_id title supplier_id asset_maintenance_type is_warranty start_date "
                              "completion_date asset_maintenance_time cost notes",
    "depreciations": _STAMPS + "name months depreciation_min depreciation_type",
    "groups": _STAMPS + "name notes permissions",
    "fields": _STAMPS + "name db_column format element field_values show_in_listview display_in_user_view "
                        "auto_add_to_fieldsets encrypted",
    "fieldsets": _STAMPS + "name fields",
    # company_id: action_logs.company_id, what full multiple companies support scopes the report by
    "activity": _STAMPS + "action_type item_type item_id target_type target_id note remote_ip user_agent "
                          "action_source action_date log_meta company_id",
    "seats": "id license_id assigned_to asset_id notes created_at updated_at",
}
SCHEMAS = {k: v.split() for k, v in SCHEMAS.items()}

SOFT_DELETE = {"hardware", "users", "locations", "categories", "manufacturers", "suppliers", "models",
               "statuslabels", "licenses", "accessories", "consumables", "components", "maintenances",
               "depreciations"}
HARD_DELETE = {"companies", "departments"}

TIMESTAMP_FIELDS = {"created_at", "updated_at", "deleted_at", "last_login", "last_audit_date",
                    "last_checkout", "last_checkin", "action_date"}
DATE_FIELDS = {"purchase_date", "asset_eol_date", "next_audit_date", "expected_checkin", "start_date",
               "end_date"}


class RowBase:
    __slots__ = ()

    def get(self, k, default=None):
        return getattr(self, k, default)

    def __getitem__(self, k):
        return getattr(self, k)

    def __setitem__(self, k, v):
        setattr(self, k, v)

    def copy(self):
        n = self.__class__.__new__(self.__class__)
        for f in self.__slots__:
            setattr(n, f, getattr(self, f))
        return n


ROW_CLASSES = {
    res: type("Raw_" + res, (RowBase,), {"__slots__": tuple(fields)}) for res, fields in SCHEMAS.items()
}


def new_row(res, **kw):
    cls = ROW_CLASSES[res]
    r = cls.__new__(cls)
    for f in cls.__slots__:
        setattr(r, f, kw.pop(f, None))
    if kw:
        raise KeyError("unknown fields for %s: %s" % (res, sorted(kw)))
    return r


# --- static (non-resource) tables -------------------------------------------------------------

# custom fields: id -> (display name, db column, format, element). One of each kind the real captures show
# (captures/real-snipeit/_stored_values.json "custom_fields"): the API sends `format` upper-cased for the
# predefined formats and the regex itself for a regex one (the MAC preset), checkbox/radio/listbox as elements.
MAC_REGEX = "regex:/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/"
CUSTOM_FIELDS = {
    1: ("MAC Address", "_snipeit_mac_address_1", MAC_REGEX, "text"),
    2: ("RAM", "_snipeit_ram_2", "NUMERIC", "text"),
    3: ("Warranty Ref", "_snipeit_warranty_ref_3", "ANY", "text"),
    4: ("Purchase Date", "_snipeit_purchase_date_4", "DATE", "text"),
    5: ("Leased", "_snipeit_leased_5", "ANY", "listbox"),
    6: ("Test Checkbox", "_snipeit_test_checkbox_6", "ANY", "checkbox"),
    7: ("Test Radio", "_snipeit_test_radio_7", "ANY", "radio"),
    8: ("Is Refurbished", "_snipeit_is_refurbished_8", "BOOLEAN", "text"),
    9: ("Secret Key", "_snipeit_secret_key_9", "ANY", "text"),
}
# field_encrypted = 1: only a superuser token sees the value, any other token gets "ENCRYPTED"
ENCRYPTED_FIELDS = {9}
# field_values as typed in the field editor (the real server keeps the line ending that was typed)
FIELD_VALUES = {5: "Yes\nNo", 6: "One\r\nTwo\r\nThree", 7: "One\r\nTwo\r\nThree"}
CUSTOM_FIELD_BY_COLUMN = {v[1]: (k,) + v for k, v in CUSTOM_FIELDS.items()}
# fieldsets: id -> (name, [field ids])
FIELDSETS = {
    1: ("Laptop fields", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    2: ("Network fields", [1]),
}
DEPRECIATIONS = {1: ("3 Year Straight", 36), 2: ("5 Year Straight", 60)}
GROUPS = {1: "Admins", 2: "IT Staff", 3: "Help & Support"}

# --- time helpers --------------------------------------------------------------------------

EPOCH_START = calendar.timegm((2021, 1, 4, 8, 0, 0))
DATA_NOW = calendar.timegm((2025, 5, 20, 14, 3, 11))  # "now" of the generated snapshot
_DATE_CACHE: dict = {}


def ts_to_datestr(ts):
    d = ts // 86400
    s = _DATE_CACHE.get(d)
    if s is None:
        s = _DATE_CACHE[d] = datetime.fromtimestamp(d * 86400, timezone.utc).strftime("%Y-%m-%d")
    return s


def add_months(datestr, months):
    if datestr is None or months is None:
        return None
    y, m, d = int(datestr[:4]), int(datestr[5:7]), int(datestr[8:10])
    m0 = m - 1 + int(months)
    y += m0 // 12
    m = m0 % 12 + 1
    d = min(d, calendar.monthrange(y, m)[1])
    return "%04d-%02d-%02d" % (y, m, d)


def months_between(a, b):
    """Whole months from date a to date b ("YYYY-MM-DD"), like Carbon's diffInMonths."""
    m = (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])
    if int(b[8:10]) < int(a[8:10]):
        m -= 1
    return m


def custom_field_definitions():
    """The custom fields as the database stores them (like _stored_values.json "custom_fields")."""
    return [{"id": fid, "db_column": col, "name": name, "format": fmt, "element": el,
             "field_values": FIELD_VALUES.get(fid), "field_encrypted": fid in ENCRYPTED_FIELDS}
            for fid, (name, col, fmt, el) in sorted(CUSTOM_FIELDS.items())]


def iso_to_ts(v):
    """Parse an ISO-8601 string (``Z``/offset/naive=UTC) or number into epoch seconds."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return int(v)
    s = str(v).strip().replace("Z", "+00:00")
    if " " in s and "T" not in s:
        s = s.replace(" ", "T", 1)
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def ts_to_iso(ts):
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the dataset ---------------------------------------------------------------------------

# rows per table of Dataset.generate() (and the command line's defaults)
DEFAULT_SIZES = dict(hardware=1200, users=300, companies=5, locations=20, categories=8, manufacturers=10,
                     suppliers=12, models=40, statuslabels=6, departments=10, licenses=12, accessories=15,
                     consumables=10, components=8, maintenances=25, activity=60)

class Dataset:
    """In-memory ground truth. ``tables[res]`` maps id -> raw row object, for every table of TABLES."""

    def __init__(self):
        self.tables = {r: {} for r in TABLES}
        self.next_id = {r: 1 for r in TABLES}
        self.version = 0
        self.lock = threading.RLock()
        self.seed = 1
        self.mutation_counter = 0

    def add(self, res, row):
        self.tables[res][row.id] = row
        if row.id >= self.next_id[res]:
            self.next_id[res] = row.id + 1

    def get(self, res, rid):
        return self.tables[res].get(rid)

    def bump(self):
        self.version += 1

    def status_archived(self, status_id):
        s = self.tables["statuslabels"].get(status_id)
        return bool(s is not None and s.type == "archived")

    @classmethod
    def generate(cls, seed=1, **sizes):
        """Every table, deterministic per seed (see generate.py); ``sizes`` as in DEFAULT_SIZES, a size of None
        keeping its default (callers pass optional command-line values through)."""
        from .generate import generate_dataset
        unknown = set(sizes) - set(DEFAULT_SIZES)
        if unknown:
            raise TypeError("unknown table sizes %s (known: %s)" % (sorted(unknown), ", ".join(DEFAULT_SIZES)))
        chosen = {k: default if sizes.get(k) is None else int(sizes[k]) for k, default in DEFAULT_SIZES.items()}
        ds = cls()
        ds.seed = seed
        generate_dataset(ds, **chosen)
        return ds

    def mutate(self, resource, op, ids=None, count=None, fields=None, now=None):
        """Apply a mutation (see mutations.py); returns the list of affected ids."""
        from .mutations import apply_mutation
        return apply_mutation(self, resource, op, ids=ids, count=count, fields=fields, now=now)

    # -- truth ------------------------------------------------------------------------------
    def truth_row(self, res, row):
        d = {}
        for f in SCHEMAS[res]:
            v = getattr(row, f)
            if f in TIMESTAMP_FIELDS:
                v = ts_to_iso(v)
            elif f == "groups":
                v = list(v or ())
            elif f in ("custom_fields", "permissions", "log_meta") and v is not None:
                v = dict(v)
            elif isinstance(v, list):
                v = list(v)
            d[f] = v
        if res == "hardware":
            if d["custom_fields"] is None:
                d["custom_fields"] = {}
            s = self.tables["statuslabels"].get(row.status_id)
            d["status_type"] = s.type if s is not None else None
            d["archived"] = bool(s is not None and s.type == "archived")
            # what the API sends as "eol": "48 months" (purchase date to EOL date), stored as the month count
            d["eol"] = months_between(row.purchase_date, row.asset_eol_date) \
                if row.purchase_date and row.asset_eol_date else None
        if res in HARD_DELETE:
            d.pop("deleted_at", None)
        return d

    def truth(self, res, rows=None):
        """Raw rows of ``res`` sorted by id ('license_seats': the seats of every license that is not deleted);
        ``rows`` narrows them to those ids (what one token sees)."""
        table = "seats" if res == "license_seats" else res
        with self.lock:
            picked = sorted(self.tables[table].items())
            if res == "license_seats":
                licenses = self.tables["licenses"]
                picked = [(i, r) for i, r in picked if not licenses[r.license_id].deleted_at]
            if rows is not None:
                picked = [(i, r) for i, r in picked if i in rows]
            return [self.truth_row(table, r) for _, r in picked]
