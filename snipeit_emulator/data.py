"""Deterministic data generator and in-memory database of RAW (unescaped) rows.

Raw rows are compact ``__slots__`` objects.  Conventions:

* strings are stored unescaped (``"A&B"``), ``None`` for NULL;
* datetimes are stored as UTC epoch seconds (int) or ``None``;
* dates are stored as ``"YYYY-MM-DD"`` strings or ``None``;
* money is stored as a float with 2 decimals or ``None``;
* booleans are Python bools;
* soft deletion is ``deleted_at`` (epoch) on resources that support it.
"""
from __future__ import annotations

import calendar
import random
import threading
from datetime import datetime, timezone

RESOURCES = ["hardware", "users", "companies", "locations", "categories",
             "manufacturers", "suppliers", "models", "statuslabels", "departments"]

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
}
SCHEMAS = {k: v.split() for k, v in SCHEMAS.items()}

SOFT_DELETE = {"hardware", "users", "locations", "categories", "manufacturers", "suppliers", "models",
               "statuslabels"}
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


def register_schema(res, fields):
    """Add a resource's row shape (the later resources of extra.py) to SCHEMAS and ROW_CLASSES."""
    SCHEMAS[res] = list(fields)
    ROW_CLASSES[res] = type("Raw_" + res, (RowBase,), {"__slots__": tuple(fields)})


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
# the fields added after the first four get their values from their own generator (keeps the main one's sequence)
LATER_FIELDS = (5, 6, 7, 8, 9)
DEPRECIATIONS = {1: ("3 Year Straight", 36), 2: ("5 Year Straight", 60)}
GROUPS = {1: "Admins", 2: "IT Staff", 3: "Help & Support"}

# --- helpers ---------------------------------------------------------------------------------

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


# --- name pools ---------------------------------------------------------------------------

COMPANY_NAMES = ["Acme Corp", "Müller & Söhne GmbH", "O'Brien Holdings", 'Globex "International"',
                 "Initech <Labs>", "Umbrella Ltd", "Société Générale d'Équipement", "Stark & Wayne",
                 "Tyrell Corp", "Wonka Industries"]
CITIES = [("Springfield", "IL", "US", "USD"), ("Berlin", None, "DE", "EUR"), ("München", "BY", "DE", "EUR"),
          ("London", None, "GB", "GBP"), ("New York", "NY", "US", "USD"), ("Paris", None, "FR", "EUR"),
          ("Zürich", "ZH", "CH", "CHF"), ("São Paulo", "SP", "BR", "BRL"), ("Tokyo", None, "JP", "JPY")]
LOCATION_NAMES = ["HQ", "HQ - Floor 2", "Room 2.01 & 2.02", "Warehouse <North>", "O'Hare Office",
                  'Lab "Alpha"', "Büro München", "Data Center / Rack 7", "Remote", "Store #12"]
CATEGORY_NAMES = ["Laptops", "Desktops", "Monitors", "Phones & Tablets", "Networking", "Servers",
                  'Printers "Legacy"', "Peripherals <misc>", "Audio/Video", "Furniture"]
MANUFACTURER_NAMES = ["Apple", "Dell", "Lenovo", "HP", "Microsoft", "Cisco", "Müller & Co", "O'Reilly Devices",
                      "Samsung", "Logitech", "Ubiquiti", "Brother", "Jabra", "Herman Miller"]
SUPPLIER_NAMES = ["B&H Photo", "CDW", "Amazon Business", "Insight", "Bechtle AG", "Zones <EU>",
                  "O'Connor Supplies", 'Best "Deals" Ltd', "Cyberport", "Alternate", "Newegg", "Ingram Micro",
                  "Softchoice", "Connection"]
MODEL_NAMES = [('MacBook Pro 14"', "MKGP3LL/A"), ("MacBook Air 13\"", "MLY33LL/A"), ("ThinkPad X1 Carbon", "20XW"),
               ("ThinkPad T14s", "20UH/001"), ("Latitude 7440", "LAT-7440"), ("OptiPlex 7010", None),
               ('Dell U2723QE 27"', "U2723QE"), ("EliteBook 840 G9", "6F6H1EA#ABD"), ("Surface Pro 9", None),
               ("Catalyst 9200 <PoE>", "C9200L-24P-4G"), ("iPhone 15", "MTP03"), ("Galaxy S24", "SM-S921B"),
               ("PowerEdge R750", "R750"), ("LaserJet M404dn", "W1A53A"), ("MX Master 3S & Keys", None),
               ("UniFi U6 Pro", "U6-Pro"), ("Evolve2 85", "28599-999-999"), ("Aeron Chair", "AER1B23DW")]
STATUSLABELS = [  # name, type, color, default_label, show_in_nav, notes
    ("Ready to Deploy", "deployable", "#00a65a", True, False, None),
    ("Pending", "pending", "#f39c12", False, False, "Waiting for <imaging> & setup"),
    ("Archived", "archived", "#999999", False, True, None),
    ("Broken - Not Fixable", "undeployable", "#dd4b39", False, False, "Don't deploy"),
    ("Out for Repair", "undeployable", None, False, False, None),
    ("Deployed \"Field\"", "deployable", "#3c8dbc", False, True, None),
    ("Lost/Stolen", "archived", "#000000", False, False, None),
    ("In Transit", "pending", None, False, False, None),
]
DEPARTMENT_NAMES = ["R&D", "IT", "Sales", "Marketing & Comms", "Finance", "HR", "Légal", "Support <L1>",
                    "Operations", "Engineer's Guild"]
FIRST_NAMES = ["Jane", "John", "Zoë", "José", "Ann-Marie", "Sam", "Jörg", "Chloé", "Liam", "Noah", "Emma",
               "Olivia", "Ava", "Mia", "Lucas", "Mateo", "Björn", "Siobhán", "D'Andre", "Åsa"]
LAST_NAMES = ["Doe", "O'Brien", "Müller", "Smith", "García", "Nguyen", "Kowalski", "Schröder", "Brown",
              "Lee", "Dubois", "Rossi", "Jensen", "Ölund", "Boss", None]
NOTES = [None, None, None, None, None, None, "Bought for **design** team & QA",
         "See https://example.com/tickets/123 for details", "Replaced <b>battery</b> in 2024",
         "Do _not_ reimage", "Uses \"special\" dock & it's fine", "Already &amp; encoded",
         "Müller's spare unit", "Line one\nline two",
         "**bold** note with [a link](http://example.com/?a=1&b=2)", "- one\n- two\n- three",
         "Line 1\nLine 2 & <b>x</b>", "A&amp;B literal", "*italic* and __strong__", "two spaces  \nbreak"]
# rows typed to be awkward, like those of the real captures (hardware_tricky.json): their names hold "Tricky"
TRICKY_HARDWARE = [
    ("Tricky A&amp;B", "**bold** note with [a link](http://example.com/?a=1&b=2)", "A&B <c> \"d\" 'e'"),
    ("Tricky O'Brien's laptop", "- one\n- two\n- three", "plain"),
    ('Tricky Quote "x" here', "Line 1\nLine 2 & <b>x</b>", "日本 é"),
    ("Tricky <b>bold</b> name", "O'Brien said \"hi\"", "A&amp;B"),
    ("Tricky Café 日本", "A&amp;B literal", "A&B <c> \"d\" 'e'"),
    ("Tricky Ampersand & Co", "日本語のメモ", "plain"),
    ("Tricky less < than > greater", None, "日本 é"),
    ("Tricky #039 'single'", "*italic* and __strong__", "A&amp;B"),
]


def _later_field_value(seed, rid, fid):
    """Value of a field of LATER_FIELDS for asset ``rid``: deterministic, independent of the main generator."""
    # a cheap multiplicative hash, one multiplier per field (no Random() per value: 100k assets x 5 fields)
    h = ((seed * 1000003 + rid) * (2654435761 + 97 * 40503 * fid) % 4294967291) >> 5
    return _LATER_VALUES[fid][h % len(_LATER_VALUES[fid])]


_LATER_VALUES = {5: ("Yes", "No", None), 6: ("One", "One, Three", None), 7: ("One", "Two", "Three", None),
                 8: ("1", "0", None), 9: ("s3cr3t-0&<x>", "s3cr3t-1&<x>", None)}


def _make_tricky(ds):
    """The first live assets of a model with the full fieldset get the awkward values of TRICKY_HARDWARE."""
    full = {m.id for m in ds.tables["models"].values() if m.fieldset_id == 1}
    picked = [a for _, a in sorted(ds.tables["hardware"].items()) if a.model_id in full][:len(TRICKY_HARDWARE)]
    for n, (a, (name, notes, text)) in enumerate(zip(picked, TRICKY_HARDWARE)):
        a.name, a.notes = name, notes
        cf = dict(a.custom_fields or {})
        cf.update({"_snipeit_warranty_ref_3": text, "_snipeit_ram_2": str(4 * (n % 4 + 1)),
                   "_snipeit_purchase_date_4": "2030-%02d-15" % (n + 1), "_snipeit_is_refurbished_8": str(n % 2 ^ 1),
                   "_snipeit_leased_5": "Yes" if n % 2 == 0 else "No", "_snipeit_secret_key_9": "s3cr3t-%d&<x>" % n})
        a.custom_fields = cf
        if a.purchase_date:
            a.warranty_months = 24


class Dataset:
    """In-memory ground truth. ``tables[res]`` maps id -> raw row object."""

    def __init__(self):
        self.extra_sizes = {}
        self.tables = {r: {} for r in RESOURCES}
        self.next_id = {r: 1 for r in RESOURCES}
        self.version = 0
        self.lock = threading.RLock()
        self.seed = 1
        self._mut_counter = 0

    # -- generic -------------------------------------------------------------------------
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

    # -- generation ------------------------------------------------------------------------
    @classmethod
    def generate(cls, seed=1, hardware=1200, users=300, companies=5, locations=20, categories=8,
                 manufacturers=10, suppliers=12, models=40, statuslabels=6, departments=10, licenses=None,
                 accessories=None, consumables=None, components=None, maintenances=None, activity=None):
        """The first ten tables now; the sizes of the later ones (None = extra.generate's defaults) are kept for
        extra.ensure(), which generates them when an Emulator is built."""
        ds = cls()
        ds.seed = seed
        ds.extra_sizes = {k: v for k, v in dict(licenses=licenses, accessories=accessories, consumables=consumables,
                                                   components=components, maintenances=maintenances,
                                                   activity=activity).items() if v is not None}
        rng = random.Random(seed)
        rr = rng.random
        ri = rng.randint

        def ts_between(a=EPOCH_START, b=DATA_NOW - 86400 * 20):
            return a + int(rr() * (b - a))

        def stamps(i, n, legacy=True):
            """created/updated for row i of n: a few legacy NULL rows."""
            if legacy and n >= 5 and i == 2:
                return None, None
            if legacy and n >= 8 and i == 4:
                c = ts_between()
                return c, None
            c = ts_between()
            u = c + int(rr() * (DATA_NOW - 86400 * 2 - c)) if rr() < 0.7 else c
            return c, u

        def pick(seq):
            return seq[int(rr() * len(seq))]

        def opt(p, v):
            return v if rr() < p else None

        # companies
        for i in range(1, companies + 1):
            c, u = stamps(i, companies)
            name = COMPANY_NAMES[i - 1] if i <= len(COMPANY_NAMES) else "Company %d" % i
            ds.add("companies", new_row("companies", id=i, name=name, phone=opt(0.6, "+1 555 01%02d" % (i % 100)),
                   fax=None, email=opt(0.5, "it%d@company.example" % i), image=None, notes=pick(NOTES),
                   created_by=1, created_at=c, updated_at=u, licenses_count=ri(0, 20),
                   accessories_count=ri(0, 30), consumables_count=ri(0, 10), components_count=ri(0, 5)))
        # statuslabels (labels 1..k; ensure archived/pending/undeployable present when k>=4)
        order = [0, 1, 2, 3, 5, 4, 6, 7]
        for i in range(1, statuslabels + 1):
            c, u = stamps(i, statuslabels, legacy=False)
            if i <= len(order):
                name, typ, color, dflt, nav, notes = STATUSLABELS[order[i - 1]]
            else:
                name, typ, color, dflt, nav, notes = ("Status %d" % i, "deployable", None, False, False, None)
            ds.add("statuslabels", new_row("statuslabels", id=i, name=name, type=typ, color=color,
                   show_in_nav=nav, default_label=dflt, notes=notes, created_by=opt(0.5, 1), created_at=c,
                   updated_at=u))
        # manufacturers
        for i in range(1, manufacturers + 1):
            c, u = stamps(i, manufacturers)
            name = MANUFACTURER_NAMES[i - 1] if i <= len(MANUFACTURER_NAMES) else "Manufacturer %d" % i
            slug = "".join(ch for ch in name.lower() if ch.isalnum()) or "m"
            ds.add("manufacturers", new_row("manufacturers", id=i, name=name,
                   url=opt(0.7, "https://www.%s.example" % slug), image=None,
                   support_url=opt(0.5, "https://support.%s.example/?q=1&x=2" % slug),
                   warranty_lookup_url=opt(0.3, "https://warranty.%s.example/{SERIAL}" % slug),
                   support_phone=opt(0.3, "+1 800 555 %04d" % i), support_email=opt(0.3, "help@%s.example" % slug),
                   notes=pick(NOTES), created_by=opt(0.8, 1), created_at=c, updated_at=u,
                   deleted_at=None))
        # categories
        for i in range(1, categories + 1):
            c, u = stamps(i, categories)
            name = CATEGORY_NAMES[i - 1] if i <= len(CATEGORY_NAMES) else "Category %d" % i
            eula = opt(0.3, "Return **all** equipment & accessories.")
            ds.add("categories", new_row("categories", id=i, name=name, image=None, category_type="asset",
                   use_default_eula=False, eula_text=eula, checkin_email=rr() < 0.3,
                   require_acceptance=rr() < 0.3, notes=pick(NOTES), created_by=opt(0.8, 1), created_at=c,
                   updated_at=u, deleted_at=None))
        # suppliers
        for i in range(1, suppliers + 1):
            c, u = stamps(i, suppliers)
            name = SUPPLIER_NAMES[i - 1] if i <= len(SUPPLIER_NAMES) else "Supplier %d" % i
            city, state, country, _cur = pick(CITIES)
            ds.add("suppliers", new_row("suppliers", id=i, name=name, image=None,
                   url=opt(0.6, "https://supplier%d.example" % i), address=opt(0.7, "%d Main St" % ri(1, 999)),
                   address2=opt(0.2, "Suite 5"), city=city, state=state, country=country,
                   zip=opt(0.8, "%05d" % ri(1000, 99999)), fax=None, phone=opt(0.6, "+1 212 444 %04d" % i),
                   email=opt(0.5, "sales@supplier%d.example" % i), contact=opt(0.5, pick(FIRST_NAMES)),
                   notes=pick(NOTES), created_at=c, updated_at=u, deleted_at=None))
        # models
        for i in range(1, models + 1):
            c, u = stamps(i, models)
            base, num = MODEL_NAMES[(i - 1) % len(MODEL_NAMES)]
            name = base if i <= len(MODEL_NAMES) else "%s (rev %d)" % (base, (i - 1) // len(MODEL_NAMES) + 1)
            cat = ((i - 1) % max(categories, 1)) + 1 if categories else None
            fs = 1 if (i % 4 in (1, 2)) else (2 if i % 4 == 3 else None)
            ds.add("models", new_row("models", id=i, name=name, manufacturer_id=ri(1, manufacturers) if manufacturers else None,
                   image=opt(0.3, "model-%d.png" % i), model_number=num, min_amt=opt(0.3, ri(1, 5)),
                   depreciation_id=opt(0.4, ri(1, 2)), category_id=cat, fieldset_id=fs,
                   eol=opt(0.8, pick([12, 24, 36, 48, 60])), requestable=rr() < 0.2, notes=pick(NOTES),
                   created_by=opt(0.8, 1), created_at=c, updated_at=u, deleted_at=None))
        # locations
        for i in range(1, locations + 1):
            c, u = stamps(i, locations)
            name = LOCATION_NAMES[i - 1] if i <= len(LOCATION_NAMES) else "Location %d" % i
            city, state, country, cur = pick(CITIES)
            parent = None if i <= 2 else (ri(1, i - 1) if rr() < 0.5 else None)
            ds.add("locations", new_row("locations", id=i, name=name, image=None,
                   address=opt(0.7, "%d Main St" % ri(1, 999)), address2=None, city=city, state=state,
                   country=country, zip=opt(0.7, "%05d" % ri(1000, 99999)), phone=None, fax=None, currency=cur,
                   ldap_ou=None, notes=pick(NOTES), parent_id=parent, manager_id=None,
                   company_id=opt(0.7, ri(1, companies)) if companies else None,
                   created_at=c, updated_at=u, deleted_at=None))
        # departments
        for i in range(1, departments + 1):
            c, u = stamps(i, departments)
            name = DEPARTMENT_NAMES[i - 1] if i <= len(DEPARTMENT_NAMES) else "Department %d" % i
            ds.add("departments", new_row("departments", id=i, name=name, phone=None, fax=None, image=None,
                   company_id=opt(0.7, ri(1, companies)) if companies else None, manager_id=None,
                   location_id=opt(0.7, ri(1, locations)) if locations else None, notes=pick(NOTES),
                   created_at=c, updated_at=u))
        # users
        for i in range(1, users + 1):
            c, u = stamps(i, users)
            if i == 1:
                first, last, uname = "Admin", "User", "admin"
            else:
                first = pick(FIRST_NAMES)
                last = pick(LAST_NAMES)
                base = (first[0] + (last or first)).lower().replace("'", "").replace(" ", "")
                uname = "%s%d" % (base, i)
            city, state, country, _cur = pick(CITIES)
            grp = [] if rr() < 0.6 else sorted(rng.sample(sorted(GROUPS), ri(1, 2)))
            ds.add("users", new_row("users", id=i, first_name=first, last_name=last, username=uname,
                   email=opt(0.9, "%s@example.com" % uname), avatar=None, remote=rr() < 0.1,
                   locale=opt(0.5, pick(["en-US", "de-DE", "fr-FR"])), employee_num=opt(0.6, "E-%04d" % i),
                   manager_id=(ri(1, i - 1) if (i > 2 and rr() < 0.5) else None),
                   jobtitle=opt(0.5, pick(["Designer", "Engineer", "Manager & Lead", "Analyst"])),
                   vip=rr() < 0.05, phone=opt(0.3, "+49 30 %07d" % i), website=None, address=None, city=city,
                   state=state, country=country, zip=None,
                   department_id=opt(0.8, ri(1, departments)) if departments else None,
                   location_id=opt(0.8, ri(1, locations)) if locations else None,
                   notes=pick(NOTES), permissions={"superuser": 1} if i == 1 else ({} if rr() < 0.8 else {"assets.view": 1}),
                   activated=rr() < 0.95, autoassign_licenses=rr() < 0.9, ldap_import=rr() < 0.2,
                   two_factor_enrolled=False, two_factor_optin=False,
                   company_id=opt(0.8, ri(1, companies)) if companies else None,
                   created_by=1 if i > 1 else None, created_at=c, updated_at=u,
                   start_date=opt(0.4, ts_to_datestr(c if c else EPOCH_START)), end_date=None,
                   last_login=opt(0.6, ts_between(DATA_NOW - 86400 * 60, DATA_NOW)), deleted_at=None,
                   groups=tuple(grp)))
        # managers for locations / departments
        if users:
            for loc in ds.tables["locations"].values():
                if rr() < 0.4:
                    loc.manager_id = ri(1, users)
            for d in ds.tables["departments"].values():
                if rr() < 0.6:
                    d.manager_id = ri(1, users)

        # hardware
        labels = ds.tables["statuslabels"]
        by_type = {}
        for s in labels.values():
            by_type.setdefault(s.type, []).append(s.id)
        deployable = by_type.get("deployable") or sorted(labels) or [None]
        archived_ids = by_type.get("archived", [])
        other_ids = by_type.get("pending", []) + by_type.get("undeployable", [])
        n = hardware
        bulk_n = 0
        if n >= 1000:
            bulk_n = min(n - 100, max(800, n // 20))
        elif n >= 20:
            bulk_n = n // 2
        bulk_start = n - bulk_n + 1  # the last bulk_n ids come from one import
        bulk_ts = DATA_NOW - 86400 * 7 + 1234
        edit_ts = DATA_NOW - 3600 * 5  # a bulk edit touching ~10% of the imported rows
        model_ids = sorted(ds.tables["models"])
        models_t = ds.tables["models"]
        hw_names = ["", "Design Laptop & Dock", 'Monitor 27"', "Jörg's Desk PC", "<Spare>", "Reception iPad",
                    "Büro-Drucker", "Conference Room \"Big\"", "CEO's Phone"]
        custom_cache = {}
        for i in range(1, n + 1):
            if i >= bulk_start:
                c = u = bulk_ts
                if rr() < 0.1:
                    u = edit_ts
            else:
                c = ts_between()
                r = rr()
                if r < 0.004:
                    c = u = None
                elif r < 0.01:
                    u = None
                else:
                    u = c + int(rr() * (DATA_NOW - 86400 * 2 - c)) if rr() < 0.6 else c
            mid = model_ids[int(rr() * len(model_ids))] if model_ids else None
            m = models_t.get(mid)
            r = rr()
            if r < 0.05 and archived_ids:
                sid = archived_ids[int(rr() * len(archived_ids))]
            elif r < 0.15 and other_ids:
                sid = other_ids[int(rr() * len(other_ids))]
            else:
                sid = deployable[int(rr() * len(deployable))]
            stype = labels[sid].type if sid in labels else None
            assigned = assigned_type = None
            last_checkout = None
            if stype == "deployable" and users and rr() < 0.55:
                if rr() < 0.95:
                    assigned, assigned_type = ri(1, users), "user"
                elif locations:
                    assigned, assigned_type = ri(1, locations), "location"
                if assigned:
                    last_checkout = (c or EPOCH_START) + ri(3600, 86400 * 30)
            pd = None
            if rr() < 0.85:
                pd = ts_to_datestr((c or EPOCH_START) - ri(0, 86400 * 20))
            eol_months = m.eol if m else None
            wm = pick([None, 12, 24, 36]) if pd else None
            cost = None
            if rr() < 0.8:
                cost = round(pick([19.99, 249.0, 899.5, 1299.0, 2499.0, 12750.25, 3.5, 1049.99]) *
                             (1 if rr() < 0.7 else ri(1, 3)), 2)
            fs = m.fieldset_id if m else None
            cf = None
            if fs:
                cf = {}
                for fid in FIELDSETS[fs][1]:
                    col = CUSTOM_FIELDS[fid][1]
                    if fid == 1:
                        v = opt(0.9, "a4:83:e7:%02x:%02x:%02x" % (ri(0, 255), ri(0, 255), ri(0, 255)))
                    elif fid == 2:
                        v = opt(0.8, pick(["8", "16", "32", "64"]))
                    elif fid == 3:
                        v = opt(0.4, pick(["WR-%05d" % ri(1, 99999), "Ref <A&B>", "n/a"]))
                    elif fid == 4:
                        v = pd if rr() < 0.5 else None
                    else:
                        continue
                    cf[col] = v
                for fid in FIELDSETS[fs][1]:
                    if fid in LATER_FIELDS:
                        cf[CUSTOM_FIELDS[fid][1]] = _later_field_value(seed, i, fid)
                key = tuple(cf.items())
                cf = custom_cache.setdefault(key, cf) if len(custom_cache) < 50000 else cf
            name = None
            if rr() < 0.7:
                name = pick(hw_names) or None
                if name is None and m:
                    name = "%s #%d" % (m.name, i)
            ds.add("hardware", new_row("hardware", id=i, name=name, asset_tag="A-%06d" % i,
                   serial=opt(0.9, "SN%010X" % rng.getrandbits(40)), model_id=mid, status_id=sid,
                   byod=rr() < 0.03, requestable=rr() < 0.1,
                   supplier_id=opt(0.6, ri(1, suppliers)) if suppliers else None,
                   notes=pick(NOTES), order_number=opt(0.4, "PO-%d" % ri(1000, 9999)),
                   company_id=opt(0.8, ri(1, companies)) if companies else None,
                   location_id=opt(0.8, ri(1, locations)) if locations else None,
                   rtd_location_id=opt(0.7, ri(1, locations)) if locations else None,
                   image=None, assigned_to=assigned, assigned_type=assigned_type, warranty_months=wm,
                   purchase_date=pd, purchase_cost=cost, asset_eol_date=add_months(pd, eol_months),
                   last_audit_date=opt(0.2, ts_between(DATA_NOW - 86400 * 300, DATA_NOW - 86400)),
                   next_audit_date=opt(0.2, ts_to_datestr(DATA_NOW + ri(1, 300) * 86400)),
                   last_checkout=last_checkout, last_checkin=None, expected_checkin=None,
                   checkin_counter=0, checkout_counter=1 if assigned else 0, requests_counter=0,
                   custom_fields=cf, created_by=opt(0.9, 1), created_at=c, updated_at=u, deleted_at=None))

        # soft deletes (~3%) of hardware/users/models/manufacturers (+1 location / supplier / category)
        def soft_delete(res, frac, minimum=1, protect=(1,)):
            ids = [k for k in ds.tables[res] if k not in protect]
            if not ids:
                return
            k = max(minimum, int(len(ids) * frac))
            k = min(k, max(len(ids) // 5, 1))
            for rid in rng.sample(ids, k):
                row = ds.tables[res][rid]
                row.deleted_at = DATA_NOW - ri(3600, 86400 * 90)
                if row.updated_at is not None:
                    row.updated_at = max(row.updated_at, row.deleted_at)
        _make_tricky(ds)
        soft_delete("hardware", 0.03)
        soft_delete("users", 0.03)
        soft_delete("models", 0.03)
        soft_delete("manufacturers", 0.03)
        if locations >= 10:
            soft_delete("locations", 0.0, 1, protect=(1, 2))
        if suppliers >= 10:
            soft_delete("suppliers", 0.0, 1, protect=(1,))
        return ds

    # -- mutation -------------------------------------------------------------------------
    def _coerce_fields(self, res, fields):
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

    def mutate(self, resource, op, ids=None, count=None, fields=None, now=None):
        """Apply a mutation; returns the list of affected ids."""
        res = resource
        if res not in RESOURCES:  # the later resources (extra.py) are read-only: their rows are generated
            raise KeyError("unknown resource %r (mutable: %s)" % (res, ", ".join(RESOURCES)))
        now = int(now if now is not None else datetime.now(timezone.utc).timestamp())
        fields = self._coerce_fields(res, fields)
        table = self.tables[res]
        with self.lock:
            self._mut_counter += 1
            rng = random.Random(self.seed * 7919 + self._mut_counter)
            if op == "insert":
                n = int(count if count is not None else (len(ids) if ids else 1))
                out = []
                for _ in range(n):
                    rid = self.next_id[res]
                    row = self._new_like(res, rid, rng, now)
                    for k, v in fields.items():
                        if k == "custom_fields" and isinstance(v, dict) and row.custom_fields is not None:
                            v = dict(row.custom_fields, **v)
                        setattr(row, k, v)
                    self.add(res, row)
                    out.append(rid)
                self.bump()
                return out
            if ids is None:
                if op == "restore":
                    cand = [k for k, r in table.items() if getattr(r, "deleted_at", None) is not None]
                elif op == "hard_delete":
                    cand = list(table)
                else:
                    cand = [k for k, r in table.items() if getattr(r, "deleted_at", None) is None]
                    if op == "archive":
                        cand = [k for k in cand if not self.status_archived(table[k].status_id)]
                cand.sort()
                ids = sorted(rng.sample(cand, min(int(count or 1), len(cand))))
            ids = [int(i) for i in ids]
            missing = [i for i in ids if i not in table]
            if missing:
                raise KeyError("unknown %s ids: %s" % (res, missing))
            for rid in ids:
                row = table[rid]
                if op == "update":
                    for k, v in fields.items():
                        if k == "custom_fields" and isinstance(v, dict) and row.custom_fields is not None:
                            v = dict(row.custom_fields, **v)
                        setattr(row, k, v)
                    if "updated_at" not in fields:
                        row.updated_at = now
                elif op == "delete":
                    if res in HARD_DELETE:
                        del table[rid]
                    else:
                        row.deleted_at = now
                        row.updated_at = now
                elif op == "hard_delete":
                    del table[rid]
                elif op == "restore":
                    if res in HARD_DELETE:
                        raise ValueError("%s cannot be restored" % res)
                    row.deleted_at = None
                    row.updated_at = now
                elif op == "archive":
                    if res != "hardware":
                        raise ValueError("archive only applies to hardware")
                    arch = sorted(k for k, s in self.tables["statuslabels"].items() if s.type == "archived")
                    if not arch:
                        raise ValueError("no archived status label")
                    row.status_id = fields.get("status_id", arch[0])
                    row.assigned_to = row.assigned_type = None
                    row.updated_at = now
                else:
                    raise ValueError("unknown op %r" % op)
            self.bump()
            return ids

    def _new_like(self, res, rid, rng, now):
        """A fresh plausible row for inserts."""
        base = dict(id=rid, created_at=now, updated_at=now)
        if res == "hardware":
            models = sorted(k for k, m in self.tables["models"].items() if m.deleted_at is None)
            labels = sorted(k for k, s in self.tables["statuslabels"].items() if s.type == "deployable")
            mid = rng.choice(models) if models else None
            m = self.tables["models"].get(mid)
            cf = None
            if m is not None and m.fieldset_id:
                cf = {CUSTOM_FIELDS[f][1]: None for f in FIELDSETS[m.fieldset_id][1]}
                cf["_snipeit_mac_address_1"] = "02:00:00:%02x:%02x:%02x" % (rid >> 16 & 255, rid >> 8 & 255, rid & 255)
            pd = ts_to_datestr(now)
            return new_row("hardware", name="New Asset %d" % rid, asset_tag="N-%06d" % rid,
                           serial="NSN%08d" % rid, model_id=mid, status_id=labels[0] if labels else None,
                           byod=False, requestable=False, purchase_date=pd, purchase_cost=1299.0,
                           asset_eol_date=add_months(pd, m.eol if m else None), checkin_counter=0,
                           checkout_counter=0, requests_counter=0, custom_fields=cf, created_by=1, **base)
        if res == "users":
            return new_row("users", first_name="New", last_name="User %d" % rid, username="newuser%d" % rid,
                           email="newuser%d@example.com" % rid, remote=False, vip=False, permissions={},
                           activated=True, autoassign_licenses=True, ldap_import=False,
                           two_factor_enrolled=False, two_factor_optin=False, created_by=1, groups=(), **base)
        names = {"companies": "New Company %d", "locations": "New Location %d", "categories": "New Category %d",
                 "manufacturers": "New Manufacturer %d", "suppliers": "New Supplier %d", "models": "New Model %d",
                 "statuslabels": "New Status %d", "departments": "New Department %d"}
        extra = {}
        if res == "categories":
            extra = dict(category_type="asset", use_default_eula=False, checkin_email=False, require_acceptance=False)
        elif res == "models":
            extra = dict(requestable=False)
        elif res == "statuslabels":
            extra = dict(type="deployable", show_in_nav=False, default_label=False)
        elif res == "companies":
            extra = dict(licenses_count=0, accessories_count=0, consumables_count=0, components_count=0)
        return new_row(res, name=names[res] % rid, **extra, **base)

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

    def truth(self, res):
        with self.lock:
            return [self.truth_row(res, r) for _, r in sorted(self.tables[res].items())]
