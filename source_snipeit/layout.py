"""This checkout as Airbyte's manifest-only image lays a connector out, so that ``main.py`` runs the image's program.

The image (``airbyte/source-declarative-manifest`` plus Airbyte's manifest-only template) holds::

    /airbyte/integration_code/main.py                               the base image's: source_declarative_manifest.run.run()
    /airbyte/integration_code/source_declarative_manifest/run.py    a copy of the CDK's cli/source_declarative_manifest/_run.py
    /airbyte/integration_code/source_declarative_manifest/manifest.yaml     <- manifest.yaml of this repository
    /airbyte/integration_code/source_declarative_manifest/components.py     <- components.py of this repository

``install()`` gives this process the same package: ``source_declarative_manifest`` whose files are this checkout's
root (so ``source_declarative_manifest.components`` *is* ``components.py`` and ``pkgutil.get_data`` finds
``manifest.yaml``), with the installed CDK's ``_run.py`` as its ``run`` module. Nothing is copied or rewritten: the
handler the image runs reads the committed files. ``components`` is the same module object under its second name,
as ``source-declarative-manifest --components-path`` registers it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping, Optional

import airbyte_cdk.cli.source_declarative_manifest as cdk_sdm

REPO = Path(__file__).resolve().parent.parent
MANIFEST_PATH = REPO / "manifest.yaml"
COMPONENTS_PATH = REPO / "components.py"
PACKAGE = "source_declarative_manifest"
CDK_RUN_PATH = Path(cdk_sdm.__file__).resolve().parent / "_run.py"


def _is_ours(module: object, path: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve() == path


def install() -> ModuleType:
    """Register the image's package for this checkout (idempotent); returns the components module."""
    if not MANIFEST_PATH.is_file() or not COMPONENTS_PATH.is_file():
        raise RuntimeError(f"source-snipeit must run from a checkout: {MANIFEST_PATH} and {COMPONENTS_PATH} are "
                           "the connector (install it with `pip install -e .`).")
    package = sys.modules.get(PACKAGE)
    if package is None or list(getattr(package, "__path__", [])) != [str(REPO)]:
        # A loader that can read files beside the package: pkgutil.get_data(PACKAGE, "manifest.yaml") uses it.
        loader = importlib.machinery.SourceFileLoader(PACKAGE, str(COMPONENTS_PATH))
        spec = importlib.machinery.ModuleSpec(PACKAGE, loader, is_package=True)
        spec.submodule_search_locations = [str(REPO)]
        package = importlib.util.module_from_spec(spec)
        package.__file__ = str(REPO / "__init__.py")  # only its folder is used (pkgutil.get_data)
        sys.modules[PACKAGE] = package
        for name in [n for n in sys.modules if n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
    components = sys.modules.get("components")
    if components is not None and _is_ours(components, COMPONENTS_PATH):
        sys.modules[f"{PACKAGE}.components"] = components  # imported first as `components`: one module object
    else:
        components = importlib.import_module(f"{PACKAGE}.components")
        sys.modules["components"] = components
    setattr(package, "components", components)
    if not _is_ours(sys.modules.get(f"{PACKAGE}.run"), CDK_RUN_PATH):
        spec = importlib.util.spec_from_file_location(f"{PACKAGE}.run", CDK_RUN_PATH)
        run = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = run
        spec.loader.exec_module(run)
        setattr(package, "run", run)
    return components


def image_run_module() -> ModuleType:
    """``source_declarative_manifest.run`` as the image has it: the CDK's local-manifest handler."""
    install()
    return sys.modules[f"{PACKAGE}.run"]


def image_source(config: Optional[Mapping[str, Any]] = None, catalog: Any = None, state: Any = None) -> Any:
    """The source the image's handler builds from the command line's files (``SourceLocalYaml``), built from values:
    what tests and tools hand to the CDK's entrypoint in-process."""
    return image_run_module().SourceLocalYaml(catalog=catalog, config=config, state=state)
