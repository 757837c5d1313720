"""The one generator: every table of a Dataset, deterministic per seed, one function per table.

Random choices come from three seeded streams (``Draw``), drawn in a fixed order: the core stream (the ten
mutable tables), the later stream (licenses ... activity) and the activity-target stream. Each stream is kept
apart so that what one table draws never shifts the values of the tables of another stream; inside a stream the
order of the draws is the data, so a function here must not draw more, less or in another order without meaning
to change the generated rows of every later table of its stream.
"""
from __future__ import annotations

import random

from .data import (CUSTOM_FIELDS, DATA_NOW, DEPRECIATIONS, ENCRYPTED_FIELDS, EPOCH_START, FIELD_VALUES, FIELDSETS,
                   GROUPS, add_months, new_row, ts_to_datestr)

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
# labels 1..k take these rows of STATUSLABELS: with k >= 4 there is an archived, a pending and an undeployable one
STATUSLABEL_ORDER = [0, 1, 2, 3, 5, 4, 6, 7]
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
HARDWARE_NAMES = ["", "Design Laptop & Dock", 'Monitor 27"', "Jörg's Desk PC", "<Spare>", "Reception iPad",
                  "Büro-Drucker", "Conference Room \"Big\"", "CEO's Phone"]
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
LICENSE_NAMES = ["Office 365 & Teams", 'Adobe "Creative" Cloud', "JetBrains <All Products>", "Slack",
                 "O'Reilly Online", "Zoom Pro", "Windows 11 Pro", "AutoCAD", "Müller Licence", "1Password"]
# action_logs.note as typed: Markdown, and the plain "c&o <note>" of the fmcs-mdY capture (action_logs_note)
ACTIVITY_NOTES = ("Moved to **HQ** & tagged", "c&o <note>")
LATER_NOTES = [None, None, "Renew **early** & check", "<b>bold</b> & co", "plain note"]
# the custom fields added after the first four get their values from a hash (keeps the core stream's sequence)
LATER_FIELDS = (5, 6, 7, 8, 9)
_LATER_VALUES = {5: ("Yes", "No", None), 6: ("One", "One, Three", None), 7: ("One", "Two", "Three", None),
                 8: ("1", "0", None), 9: ("s3cr3t-0&<x>", "s3cr3t-1&<x>", None)}


class Draw:
    """One seeded stream of random choices, with the few shapes of choice the generator makes."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.randint = self.rng.randint

    def pick(self, seq):
        return seq[int(self.random() * len(seq))] if seq else None

    def opt(self, p, v):
        """``v`` with probability p, else None (``v`` is computed, and draws, before the coin is tossed)."""
        return v if self.random() < p else None

    def ts_between(self, a=EPOCH_START, b=DATA_NOW - 86400 * 20):
        return a + int(self.random() * (b - a))

    def stamps(self, i=0, n=0, legacy=False):
        """created/updated of row i of n; with ``legacy`` a few rows have NULL stamps, as imported legacy rows do."""
        if legacy and n >= 5 and i == 2:
            return None, None
        if legacy and n >= 8 and i == 4:
            c = self.ts_between()
            return c, None
        c = self.ts_between()
        u = c + int(self.random() * (DATA_NOW - 86400 * 2 - c)) if self.random() < 0.7 else c
        return c, u


def generate_dataset(ds, hardware, users, companies, locations, categories, manufacturers, suppliers, models,
                     statuslabels, departments, licenses, accessories, consumables, components, maintenances,
                     activity):
    """Fill every table of ``ds`` (seed ``ds.seed``)."""
    core = Draw(ds.seed)
    generate_companies(ds, core, companies)
    generate_statuslabels(ds, core, statuslabels)
    generate_manufacturers(ds, core, manufacturers)
    generate_categories(ds, core, categories)
    generate_suppliers(ds, core, suppliers)
    generate_models(ds, core, models, categories, manufacturers)
    generate_locations(ds, core, locations, companies)
    generate_departments(ds, core, departments, companies, locations)
    generate_users(ds, core, users, departments, locations, companies)
    assign_managers(ds, core, users)
    generate_hardware(ds, core, hardware, users, locations, suppliers, companies)
    make_tricky_hardware(ds)
    soft_delete_core_rows(ds, core, locations, suppliers)
    later = Draw(ds.seed * 31337)
    generate_reference_tables(ds, later)
    generate_licenses_and_seats(ds, later, licenses)
    for res, n, prefix in (("accessories", accessories, "Accessory"), ("consumables", consumables, "Toner"),
                           ("components", components, "RAM module")):
        generate_stock_items(ds, later, res, n, prefix)
    generate_maintenances(ds, later, maintenances)
    generate_activity(ds, later, activity)
    describe_activity(ds, Draw(ds.seed * 7741))
    stamp_activity_companies(ds)
    soft_delete_later_rows(ds)
    return ds


# --- the core stream: the ten mutable tables ------------------------------------------------

def generate_companies(ds, d, n):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = COMPANY_NAMES[i - 1] if i <= len(COMPANY_NAMES) else "Company %d" % i
        ds.add("companies", new_row("companies", id=i, name=name, phone=d.opt(0.6, "+1 555 01%02d" % (i % 100)),
               fax=None, email=d.opt(0.5, "it%d@company.example" % i), image=None, notes=d.pick(NOTES),
               created_by=1, created_at=c, updated_at=u, licenses_count=d.randint(0, 20),
               accessories_count=d.randint(0, 30), consumables_count=d.randint(0, 10),
               components_count=d.randint(0, 5)))


def generate_statuslabels(ds, d, n):
    for i in range(1, n + 1):
        c, u = d.stamps()
        if i <= len(STATUSLABEL_ORDER):
            name, typ, color, dflt, nav, notes = STATUSLABELS[STATUSLABEL_ORDER[i - 1]]
        else:
            name, typ, color, dflt, nav, notes = ("Status %d" % i, "deployable", None, False, False, None)
        ds.add("statuslabels", new_row("statuslabels", id=i, name=name, type=typ, color=color,
               show_in_nav=nav, default_label=dflt, notes=notes, created_by=d.opt(0.5, 1), created_at=c,
               updated_at=u))


def generate_manufacturers(ds, d, n):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = MANUFACTURER_NAMES[i - 1] if i <= len(MANUFACTURER_NAMES) else "Manufacturer %d" % i
        slug = "".join(ch for ch in name.lower() if ch.isalnum()) or "m"
        ds.add("manufacturers", new_row("manufacturers", id=i, name=name,
               url=d.opt(0.7, "https://www.%s.example" % slug), image=None,
               support_url=d.opt(0.5, "https://support.%s.example/?q=1&x=2" % slug),
               warranty_lookup_url=d.opt(0.3, "https://warranty.%s.example/{SERIAL}" % slug),
               support_phone=d.opt(0.3, "+1 800 555 %04d" % i), support_email=d.opt(0.3, "help@%s.example" % slug),
               notes=d.pick(NOTES), created_by=d.opt(0.8, 1), created_at=c, updated_at=u, deleted_at=None))


def generate_categories(ds, d, n):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = CATEGORY_NAMES[i - 1] if i <= len(CATEGORY_NAMES) else "Category %d" % i
        eula = d.opt(0.3, "Return **all** equipment & accessories.")
        ds.add("categories", new_row("categories", id=i, name=name, image=None, category_type="asset",
               use_default_eula=False, eula_text=eula, checkin_email=d.random() < 0.3,
               require_acceptance=d.random() < 0.3, notes=d.pick(NOTES), created_by=d.opt(0.8, 1), created_at=c,
               updated_at=u, deleted_at=None))


def generate_suppliers(ds, d, n):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = SUPPLIER_NAMES[i - 1] if i <= len(SUPPLIER_NAMES) else "Supplier %d" % i
        city, state, country, _currency = d.pick(CITIES)
        ds.add("suppliers", new_row("suppliers", id=i, name=name, image=None,
               url=d.opt(0.6, "https://supplier%d.example" % i), address=d.opt(0.7, "%d Main St" % d.randint(1, 999)),
               address2=d.opt(0.2, "Suite 5"), city=city, state=state, country=country,
               zip=d.opt(0.8, "%05d" % d.randint(1000, 99999)), fax=None, phone=d.opt(0.6, "+1 212 444 %04d" % i),
               email=d.opt(0.5, "sales@supplier%d.example" % i), contact=d.opt(0.5, d.pick(FIRST_NAMES)),
               notes=d.pick(NOTES), created_at=c, updated_at=u, deleted_at=None))


def generate_models(ds, d, n, categories, manufacturers):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        base, number = MODEL_NAMES[(i - 1) % len(MODEL_NAMES)]
        name = base if i <= len(MODEL_NAMES) else "%s (rev %d)" % (base, (i - 1) // len(MODEL_NAMES) + 1)
        category = ((i - 1) % max(categories, 1)) + 1 if categories else None
        fieldset = 1 if (i % 4 in (1, 2)) else (2 if i % 4 == 3 else None)
        ds.add("models", new_row("models", id=i, name=name,
               manufacturer_id=d.randint(1, manufacturers) if manufacturers else None,
               image=d.opt(0.3, "model-%d.png" % i), model_number=number, min_amt=d.opt(0.3, d.randint(1, 5)),
               depreciation_id=d.opt(0.4, d.randint(1, 2)), category_id=category, fieldset_id=fieldset,
               eol=d.opt(0.8, d.pick([12, 24, 36, 48, 60])), requestable=d.random() < 0.2, notes=d.pick(NOTES),
               created_by=d.opt(0.8, 1), created_at=c, updated_at=u, deleted_at=None))


def generate_locations(ds, d, n, companies):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = LOCATION_NAMES[i - 1] if i <= len(LOCATION_NAMES) else "Location %d" % i
        city, state, country, currency = d.pick(CITIES)
        parent = None if i <= 2 else (d.randint(1, i - 1) if d.random() < 0.5 else None)
        ds.add("locations", new_row("locations", id=i, name=name, image=None,
               address=d.opt(0.7, "%d Main St" % d.randint(1, 999)), address2=None, city=city, state=state,
               country=country, zip=d.opt(0.7, "%05d" % d.randint(1000, 99999)), phone=None, fax=None,
               currency=currency, ldap_ou=None, notes=d.pick(NOTES), parent_id=parent, manager_id=None,
               company_id=d.opt(0.7, d.randint(1, companies)) if companies else None,
               created_at=c, updated_at=u, deleted_at=None))


def generate_departments(ds, d, n, companies, locations):
    for i in range(1, n + 1):
        c, u = d.stamps(i, n, legacy=True)
        name = DEPARTMENT_NAMES[i - 1] if i <= len(DEPARTMENT_NAMES) else "Department %d" % i
        ds.add("departments", new_row("departments", id=i, name=name, phone=None, fax=None, image=None,
               company_id=d.opt(0.7, d.randint(1, companies)) if companies else None, manager_id=None,
               location_id=d.opt(0.7, d.randint(1, locations)) if locations else None, notes=d.pick(NOTES),
               created_at=c, updated_at=u))


def generate_users(ds, d, n, departments, locations, companies):
    for i in range(1, n + 1):
        ds.add("users", _user_row(d, i, n, departments, locations, companies))


def _user_row(d, i, n, departments, locations, companies):
    c, u = d.stamps(i, n, legacy=True)
    if i == 1:
        first, last, username = "Admin", "User", "admin"
    else:
        first = d.pick(FIRST_NAMES)
        last = d.pick(LAST_NAMES)
        base = (first[0] + (last or first)).lower().replace("'", "").replace(" ", "")
        username = "%s%d" % (base, i)
    city, state, country, _currency = d.pick(CITIES)
    groups = [] if d.random() < 0.6 else sorted(d.rng.sample(sorted(GROUPS), d.randint(1, 2)))
    return new_row(
        "users", id=i, first_name=first, last_name=last, username=username,
        email=d.opt(0.9, "%s@example.com" % username), avatar=None, remote=d.random() < 0.1,
        locale=d.opt(0.5, d.pick(["en-US", "de-DE", "fr-FR"])), employee_num=d.opt(0.6, "E-%04d" % i),
        manager_id=(d.randint(1, i - 1) if (i > 2 and d.random() < 0.5) else None),
        jobtitle=d.opt(0.5, d.pick(["Designer", "Engineer", "Manager & Lead", "Analyst"])),
        vip=d.random() < 0.05, phone=d.opt(0.3, "+49 30 %07d" % i), website=None, address=None, city=city,
        state=state, country=country, zip=None,
        department_id=d.opt(0.8, d.randint(1, departments)) if departments else None,
        location_id=d.opt(0.8, d.randint(1, locations)) if locations else None,
        notes=d.pick(NOTES),
        permissions={"superuser": 1} if i == 1 else ({} if d.random() < 0.8 else {"assets.view": 1}),
        activated=d.random() < 0.95, autoassign_licenses=d.random() < 0.9, ldap_import=d.random() < 0.2,
        two_factor_enrolled=False, two_factor_optin=False,
        company_id=d.opt(0.8, d.randint(1, companies)) if companies else None,
        created_by=1 if i > 1 else None, created_at=c, updated_at=u,
        start_date=d.opt(0.4, ts_to_datestr(c if c else EPOCH_START)), end_date=None,
        last_login=d.opt(0.6, d.ts_between(DATA_NOW - 86400 * 60, DATA_NOW)), deleted_at=None,
        groups=tuple(groups))


def assign_managers(ds, d, users):
    if not users:
        return
    for location in ds.tables["locations"].values():
        if d.random() < 0.4:
            location.manager_id = d.randint(1, users)
    for department in ds.tables["departments"].values():
        if d.random() < 0.6:
            department.manager_id = d.randint(1, users)


# --- hardware --------------------------------------------------------------------------------

class _HardwareContext:
    """What every asset row draws from: the tables made before, the sizes and the bulk-import window."""

    def __init__(self, ds, n, users, locations, suppliers, companies):
        labels = ds.tables["statuslabels"]
        by_type = {}
        for s in labels.values():
            by_type.setdefault(s.type, []).append(s.id)
        self.labels = labels
        self.deployable = by_type.get("deployable") or sorted(labels) or [None]
        self.archived = by_type.get("archived", [])
        self.other = by_type.get("pending", []) + by_type.get("undeployable", [])
        self.models = ds.tables["models"]
        self.model_ids = sorted(self.models)
        self.users, self.locations, self.suppliers, self.companies = users, locations, suppliers, companies
        self.seed = ds.seed
        # the last bulk_n ids come from one import: one created_at/updated_at second for all of them
        bulk_n = min(n - 100, max(800, n // 20)) if n >= 1000 else (n // 2 if n >= 20 else 0)
        self.bulk_start = n - bulk_n + 1
        self.bulk_ts = DATA_NOW - 86400 * 7 + 1234
        self.edit_ts = DATA_NOW - 3600 * 5  # a bulk edit touching ~10% of the imported rows
        self.custom_cache = {}


def generate_hardware(ds, d, n, users, locations, suppliers, companies):
    hw = _HardwareContext(ds, n, users, locations, suppliers, companies)
    for i in range(1, n + 1):
        ds.add("hardware", _hardware_row(d, hw, i))


def _hardware_row(d, hw, i):
    c, u = _hardware_stamps(d, hw, i)
    model_id = hw.model_ids[int(d.random() * len(hw.model_ids))] if hw.model_ids else None
    model = hw.models.get(model_id)
    status_id = _hardware_status(d, hw)
    status_type = hw.labels[status_id].type if status_id in hw.labels else None
    assigned, assigned_type, last_checkout = _hardware_assignment(d, hw, status_type, c)
    purchase_date = ts_to_datestr((c or EPOCH_START) - d.randint(0, 86400 * 20)) if d.random() < 0.85 else None
    warranty = d.pick([None, 12, 24, 36]) if purchase_date else None
    cost = _hardware_cost(d)
    custom = _hardware_custom_fields(d, hw, i, model.fieldset_id if model else None, purchase_date)
    name = _hardware_name(d, model, i)
    return new_row(
        "hardware", id=i, name=name, asset_tag="A-%06d" % i,
        serial=d.opt(0.9, "SN%010X" % d.rng.getrandbits(40)), model_id=model_id, status_id=status_id,
        byod=d.random() < 0.03, requestable=d.random() < 0.1,
        supplier_id=d.opt(0.6, d.randint(1, hw.suppliers)) if hw.suppliers else None,
        notes=d.pick(NOTES), order_number=d.opt(0.4, "PO-%d" % d.randint(1000, 9999)),
        company_id=d.opt(0.8, d.randint(1, hw.companies)) if hw.companies else None,
        location_id=d.opt(0.8, d.randint(1, hw.locations)) if hw.locations else None,
        rtd_location_id=d.opt(0.7, d.randint(1, hw.locations)) if hw.locations else None,
        image=None, assigned_to=assigned, assigned_type=assigned_type, warranty_months=warranty,
        purchase_date=purchase_date, purchase_cost=cost,
        asset_eol_date=add_months(purchase_date, model.eol if model else None),
        last_audit_date=d.opt(0.2, d.ts_between(DATA_NOW - 86400 * 300, DATA_NOW - 86400)),
        next_audit_date=d.opt(0.2, ts_to_datestr(DATA_NOW + d.randint(1, 300) * 86400)),
        last_checkout=last_checkout, last_checkin=None, expected_checkin=None,
        checkin_counter=0, checkout_counter=1 if assigned else 0, requests_counter=0,
        custom_fields=custom, created_by=d.opt(0.9, 1), created_at=c, updated_at=u, deleted_at=None)


def _hardware_stamps(d, hw, i):
    if i >= hw.bulk_start:
        return hw.bulk_ts, (hw.edit_ts if d.random() < 0.1 else hw.bulk_ts)
    c = d.ts_between()
    r = d.random()
    if r < 0.004:
        return None, None
    if r < 0.01:
        return c, None
    return c, (c + int(d.random() * (DATA_NOW - 86400 * 2 - c)) if d.random() < 0.6 else c)


def _hardware_status(d, hw):
    r = d.random()
    if r < 0.05 and hw.archived:
        return hw.archived[int(d.random() * len(hw.archived))]
    if r < 0.15 and hw.other:
        return hw.other[int(d.random() * len(hw.other))]
    return hw.deployable[int(d.random() * len(hw.deployable))]


def _hardware_assignment(d, hw, status_type, created):
    """(assigned_to, assigned_type, last_checkout): most deployable assets are checked out, a few to a location."""
    assigned = assigned_type = None
    if status_type == "deployable" and hw.users and d.random() < 0.55:
        if d.random() < 0.95:
            assigned, assigned_type = d.randint(1, hw.users), "user"
        elif hw.locations:
            assigned, assigned_type = d.randint(1, hw.locations), "location"
    if not assigned:
        return None, None, None
    return assigned, assigned_type, (created or EPOCH_START) + d.randint(3600, 86400 * 30)


def _hardware_cost(d):
    if d.random() >= 0.8:
        return None
    return round(d.pick([19.99, 249.0, 899.5, 1299.0, 2499.0, 12750.25, 3.5, 1049.99]) *
                 (1 if d.random() < 0.7 else d.randint(1, 3)), 2)


def _hardware_custom_fields(d, hw, i, fieldset, purchase_date):
    if not fieldset:
        return None
    values = {}
    for fid in FIELDSETS[fieldset][1]:
        column = CUSTOM_FIELDS[fid][1]
        if fid == 1:
            v = d.opt(0.9, "a4:83:e7:%02x:%02x:%02x" % (d.randint(0, 255), d.randint(0, 255), d.randint(0, 255)))
        elif fid == 2:
            v = d.opt(0.8, d.pick(["8", "16", "32", "64"]))
        elif fid == 3:
            v = d.opt(0.4, d.pick(["WR-%05d" % d.randint(1, 99999), "Ref <A&B>", "n/a"]))
        elif fid == 4:
            v = purchase_date if d.random() < 0.5 else None
        else:
            continue
        values[column] = v
    for fid in FIELDSETS[fieldset][1]:
        if fid in LATER_FIELDS:
            values[CUSTOM_FIELDS[fid][1]] = _later_field_value(hw.seed, i, fid)
    # equal value sets share one dict: 100,000 assets hold a few thousand distinct ones
    if len(hw.custom_cache) < 50000:
        return hw.custom_cache.setdefault(tuple(values.items()), values)
    return values


def _later_field_value(seed, rid, fid):
    """Value of a field of LATER_FIELDS for asset ``rid``: deterministic, independent of the core stream."""
    # a cheap multiplicative hash, one multiplier per field (no Random() per value: 100k assets x 5 fields)
    h = ((seed * 1000003 + rid) * (2654435761 + 97 * 40503 * fid) % 4294967291) >> 5
    return _LATER_VALUES[fid][h % len(_LATER_VALUES[fid])]


def _hardware_name(d, model, i):
    if d.random() >= 0.7:
        return None
    name = d.pick(HARDWARE_NAMES) or None
    if name is None and model:
        name = "%s #%d" % (model.name, i)
    return name


def make_tricky_hardware(ds):
    """The first live assets of a model with the full fieldset get the awkward values of TRICKY_HARDWARE."""
    full = {m.id for m in ds.tables["models"].values() if m.fieldset_id == 1}
    picked = [a for _, a in sorted(ds.tables["hardware"].items()) if a.model_id in full][:len(TRICKY_HARDWARE)]
    for n, (a, (name, notes, text)) in enumerate(zip(picked, TRICKY_HARDWARE)):
        a.name, a.notes = name, notes
        custom = dict(a.custom_fields or {})
        custom.update({"_snipeit_warranty_ref_3": text, "_snipeit_ram_2": str(4 * (n % 4 + 1)),
                       "_snipeit_purchase_date_4": "2030-%02d-15" % (n + 1),
                       "_snipeit_is_refurbished_8": str(n % 2 ^ 1), "_snipeit_leased_5": "Yes" if n % 2 == 0 else "No",
                       "_snipeit_secret_key_9": "s3cr3t-%d&<x>" % n})
        a.custom_fields = custom
        if a.purchase_date:
            a.warranty_months = 24


def soft_delete_core_rows(ds, d, locations, suppliers):
    """~3% of hardware, users, models and manufacturers, plus one location and one supplier."""
    for res in ("hardware", "users", "models", "manufacturers"):
        _soft_delete(ds, d, res, 0.03)
    if locations >= 10:
        _soft_delete(ds, d, "locations", 0.0, protect=(1, 2))
    if suppliers >= 10:
        _soft_delete(ds, d, "suppliers", 0.0)


def _soft_delete(ds, d, res, fraction, minimum=1, protect=(1,)):
    ids = [k for k in ds.tables[res] if k not in protect]
    if not ids:
        return
    k = max(minimum, int(len(ids) * fraction))
    k = min(k, max(len(ids) // 5, 1))
    for rid in d.rng.sample(ids, k):
        row = ds.tables[res][rid]
        row.deleted_at = DATA_NOW - d.randint(3600, 86400 * 90)
        if row.updated_at is not None:
            row.updated_at = max(row.updated_at, row.deleted_at)


# --- the later stream: licenses ... activity -------------------------------------------------

def _stamped(d, i, **columns):
    """A later table's row: its columns (drawn first, by the caller), then its stamps and creator."""
    c, u = d.stamps()
    return dict(id=i, created_at=c, updated_at=u, deleted_at=None, created_by=d.opt(0.9, 1), **columns)


def _add(ds, res, columns):
    ds.add(res, new_row(res, **columns))


def generate_reference_tables(ds, d):
    """Depreciations, groups, custom fields and fieldsets: the static tables of data.py, with stamps."""
    for did, (name, months) in DEPRECIATIONS.items():
        _add(ds, "depreciations", _stamped(d, did, name=name, months=months, depreciation_min=0,
                                           depreciation_type="amount"))
    for gid, name in GROUPS.items():
        _add(ds, "groups", _stamped(d, gid, name=name, notes=d.opt(0.5, "Group & notes"),
                                    permissions={"admin": "1"} if gid == 1 else {"assets.view": "1"}))
    for fid, (name, column, fmt, element) in CUSTOM_FIELDS.items():
        _add(ds, "fields", _stamped(d, fid, name=name, db_column=column, format=fmt, element=element,
                                    field_values=FIELD_VALUES.get(fid), show_in_listview=True,
                                    display_in_user_view=False, auto_add_to_fieldsets=False,
                                    encrypted=fid in ENCRYPTED_FIELDS))
    for fsid, (name, fids) in FIELDSETS.items():
        _add(ds, "fieldsets", _stamped(d, fsid, name=name, fields=list(fids)))


def generate_licenses_and_seats(ds, d, n):
    t = ds.tables
    users, hardware = sorted(t["users"]), sorted(t["hardware"])
    for i in range(1, n + 1):
        purchase_date = "2024-%02d-%02d" % (d.randint(1, 12), d.randint(1, 28))
        n_seats = d.rng.choice([1, 2, 5, 10, 30])
        license_row = _stamped(
            d, i, name=LICENSE_NAMES[(i - 1) % len(LICENSE_NAMES)] + ("" if i <= len(LICENSE_NAMES) else " %d" % i),
            serial=d.opt(0.8, "LIC-%06d" % d.randint(0, 999999)), seats=n_seats,
            company_id=d.opt(0.6, d.pick(sorted(t["companies"]))),
            manufacturer_id=d.opt(0.7, d.pick(sorted(t["manufacturers"]))),
            supplier_id=d.opt(0.5, d.pick(sorted(t["suppliers"]))),
            category_id=d.opt(0.8, d.pick(sorted(t["categories"]))),
            depreciation_id=d.opt(0.3, d.pick(sorted(DEPRECIATIONS))),
            order_number=d.opt(0.5, "PO-%d" % d.randint(1000, 9999)), purchase_order=d.opt(0.3, "PO <7>"),
            purchase_date=d.opt(0.8, purchase_date), termination_date=d.opt(0.1, "2026-01-31"),
            expiration_date=d.opt(0.6, "2026-%02d-15" % d.randint(1, 12)),
            purchase_cost=d.opt(0.7, round(d.rng.uniform(10, 25000), 2)), notes=d.pick(LATER_NOTES),
            min_amt=d.opt(0.3, d.randint(1, 5)), license_name=d.opt(0.5, "IT & Ops"),
            license_email=d.opt(0.5, "it@example.com"), reassignable=d.random() < 0.8,
            maintained=d.random() < 0.5)
        _add(ds, "licenses", license_row)
        for _ in range(n_seats):
            _add(ds, "seats", _seat_row(d, ds.next_id["seats"], license_row, users, hardware))


def _seat_row(d, seat_id, license_row, users, hardware):
    assigned = d.opt(0.4, d.pick(users))
    asset = None if assigned else d.opt(0.2, d.pick(hardware))
    created = license_row["created_at"]
    return dict(id=seat_id, license_id=license_row["id"], assigned_to=assigned, asset_id=asset,
                notes=d.opt(0.2, "Seat & note"), created_at=created,
                updated_at=created if not (assigned or asset) else created + d.randint(0, 86400 * 30))


def generate_stock_items(ds, d, res, n, prefix):
    """Accessories, consumables or components: items kept in stock with a quantity."""
    t = ds.tables
    for i in range(1, n + 1):
        _add(ds, res, _stamped(
            d, i, name="%s <%d> & co" % (prefix, i) if i % 4 == 0 else "%s %d" % (prefix, i),
            company_id=d.opt(0.6, d.pick(sorted(t["companies"]))),
            manufacturer_id=d.opt(0.7, d.pick(sorted(t["manufacturers"]))),
            supplier_id=d.opt(0.5, d.pick(sorted(t["suppliers"]))),
            category_id=d.opt(0.8, d.pick(sorted(t["categories"]))),
            location_id=d.opt(0.7, d.pick(sorted(t["locations"]))),
            model_number=d.opt(0.5, 'MN-%d"' % i), order_number=d.opt(0.5, "PO-%d" % i),
            item_no=d.opt(0.5, "IT-%d" % i), serial=d.opt(0.5, "SER%05d" % i),
            qty=d.randint(0, 50), min_amt=d.opt(0.5, d.randint(1, 5)),
            purchase_date=d.opt(0.7, "2023-%02d-10" % d.randint(1, 12)),
            purchase_cost=d.opt(0.7, round(d.rng.uniform(1, 3000), 2)), notes=d.pick(LATER_NOTES),
            checkouts_count=0, image=None))


def generate_maintenances(ds, d, n):
    t = ds.tables
    hardware = sorted(t["hardware"])
    for i in range(1, n + 1):
        start = "2024-%02d-%02d" % (d.randint(1, 12), d.randint(1, 28))
        done = d.opt(0.6, "2025-%02d-01" % d.randint(1, 5))
        _add(ds, "maintenances", _stamped(
            d, i, asset_id=d.pick(hardware), title=d.pick(["Battery & screen", "Repair", "Upgrade <RAM>", None]),
            supplier_id=d.opt(0.5, d.pick(sorted(t["suppliers"]))),
            asset_maintenance_type=d.pick(["Maintenance", "Repair", "Upgrade"]),
            is_warranty=d.random() < 0.3, start_date=start, completion_date=done,
            asset_maintenance_time=d.randint(1, 40) if done else None,
            cost=d.opt(0.6, round(d.rng.uniform(10, 900), 2)), notes=d.pick(LATER_NOTES)))


def generate_activity(ds, d, n):
    """The action log, its ids ascending with created_at like the real action_logs table (appended in order)."""
    t = ds.tables
    # ids per item table sorted once: a 100,000-entry log must not sort a table per entry
    item_ids = {k: sorted(t[k]) for k in ("hardware", "users", "licenses", "accessories")}
    entries = []
    for i in range(1, n + 1):
        c = EPOCH_START + int(d.random() * (DATA_NOW - EPOCH_START))
        item_type = d.pick(["hardware", "users", "licenses", "accessories"])
        entries.append(dict(
            id=i, created_at=c, updated_at=c, deleted_at=None, created_by=d.opt(0.95, 1),
            action_type=d.pick(["checkout", "checkin from", "update", "create new", "audit"]),
            item_type=item_type, item_id=d.pick(item_ids[item_type]), target_type=None, target_id=None,
            note=d.opt(0.3, ACTIVITY_NOTES[i % len(ACTIVITY_NOTES)]), remote_ip=d.opt(0.5, "10.0.0.%d" % i),
            user_agent=d.opt(0.5, "Mozilla/5.0 <test>"), action_source=d.opt(0.5, "gui"), action_date=c,
            log_meta=None))
    entries.sort(key=lambda r: (r["created_at"], r["id"]))
    for number, entry in enumerate(entries, 1):
        entry["id"] = number
        _add(ds, "activity", entry)


def describe_activity(ds, d):
    """Checkouts name their target user; most updates carry the changed column with its old and new value,
    stored raw (the transformer escapes them)."""
    users = sorted(ds.tables["users"])
    for r in ds.tables["activity"].values():
        if r.action_type in ("checkout", "checkin from") and users:
            r.target_type, r.target_id = "user", users[int(d.random() * len(users))]
        elif r.action_type == "update" and d.random() < 0.7:
            r.log_meta = {"notes": {"old": "Created by DB seeder", "new": "edited & <changed> %d" % r.id}}


def stamp_activity_companies(ds):
    """action_logs.company_id as Actionlog::boot() stamps it for an admin's action: the target's company, else
    the item's (what full multiple companies support scopes the report by). No draws: it follows from the rows."""
    t = ds.tables
    for r in t["activity"].values():
        holder = t["users"].get(r.target_id) if r.target_type == "user" else t[r.item_type].get(r.item_id)
        r.company_id = getattr(holder, "company_id", None) if holder is not None else None


def soft_delete_later_rows(ds):
    """One soft-deleted row in each of licenses, accessories and maintenances (the one before the last)."""
    for res in ("licenses", "accessories", "maintenances"):
        ids = sorted(ds.tables[res])
        if len(ids) >= 2:
            row = ds.tables[res][ids[-2]]
            row.deleted_at = row.updated_at = DATA_NOW - 86400
