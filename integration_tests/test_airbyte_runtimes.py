"""The connector under the runtimes Airbyte runs it with, compared with `python main.py read`.

- `source-declarative-manifest` (the CDK console script the manifest-only base image wraps):
  (a) --manifest-path/--components-path, (b) manifest + components injected in the config.
- The manifest-only image layout that the Dockerfile builds, reproduced on disk from the Dockerfile's own
  COPY/sed lines and run through the base image's local-manifest code path.
- The manifest validates against the CDK's declarative component schema.

How the CDK loads custom components (airbyte-cdk 7.39.1):
- --components-path FILE: exec'd as module `components`, also registered as `source_declarative_manifest.components`;
  requires AIRBYTE_ENABLE_UNSAFE_CODE=true. Class names must use one of those two module names:
  `source_snipeit.components.X` is imported normally, which fails outside this repo (package not installed).
- __injected_components_py (+ __injected_components_py_checksums {"md5": ...}, mandatory): same module names,
  same env gate; a manifest from the config (__injected_declarative_manifest) is untrusted, so even its
  custom class_names need AIRBYTE_ENABLE_UNSAFE_CODE=true.
- Image (local-manifest mode): /airbyte/integration_code/source_declarative_manifest/manifest.yaml is read with
  pkgutil.get_data("source_declarative_manifest", "manifest.yaml"); components are plain imports of
  `source_declarative_manifest.components`, trusted, no env var needed.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import ValidationError

from integration_tests.runtime_fixtures import (  # noqa: F401  (pytest imports this file as a package module)
    CATALOG_PATH,
    COMPONENTS_PATH,
    MANIFEST_PATH,
    PYTHON,
    REPO_ROOT,
    SDM_SCRIPT,
    as_sets,
    assert_successful_read,
    clean_env,
    emulator_fixture,
    error_traces,
    reference_read,
    manifest_dict,
    md5_text,
    parse_messages,
    records_by_stream,
    rewrite_class_names,
    run_cli,
    write_injectable_connector,
    write_json,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from emulator_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def reference_run(env):
    return reference_read(env["config_path"])


@pytest.fixture(scope="module")
def reference(reference_run):
    """Records of `python main.py read` with the full configured catalog (incremental streams, no state)."""
    return reference_run["records"]


def test_main_py_read(reference_run):
    """The reference itself: `python main.py read --config C --catalog K` must work."""
    assert reference_run["main_py_error"] is None, reference_run["main_py_error"]


def _sdm_read(args, cwd: Path, **env_extra):
    return run_cli([str(SDM_SCRIPT), "read", *args, "--catalog", str(CATALOG_PATH)], cwd=cwd, env=clean_env(**env_extra))


# --------------------------------------------------------------------------------------------------------------
# 2a. source-declarative-manifest --manifest-path --components-path
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["components.", "source_declarative_manifest.components."])
def test_sdm_manifest_and_components_paths_match_main_py(env, reference, prefix, tmp_path):
    manifest = write_injectable_connector(tmp_path / "connector", prefix)
    proc = _sdm_read(
        ["--config", str(env["config_path"]), "--manifest-path", str(manifest),
         "--components-path", str(manifest.with_name("components.py"))],
        cwd=tmp_path, AIRBYTE_ENABLE_UNSAFE_CODE="true",
    )
    got = records_by_stream(assert_successful_read(proc, f"source-declarative-manifest --components-path ({prefix}X)"))
    assert as_sets(got) == as_sets(reference)


def test_sdm_components_path_needs_unsafe_code_flag(env, tmp_path):
    manifest = write_injectable_connector(tmp_path / "connector")
    proc = _sdm_read(
        ["--config", str(env["config_path"]), "--manifest-path", str(manifest),
         "--components-path", str(manifest.with_name("components.py"))],
        cwd=tmp_path,
    )
    assert proc.returncode != 0 and not records_by_stream(parse_messages(proc.stdout))
    assert "AIRBYTE_ENABLE_UNSAFE_CODE" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------------------------
# 2b. manifest and components injected in the config
# --------------------------------------------------------------------------------------------------------------


def _injected_config(env, components_text: str, checksum: str) -> dict:
    return {
        **env["config"],
        "__injected_declarative_manifest": yaml.safe_load(rewrite_class_names(MANIFEST_PATH.read_text())),
        "__injected_components_py": components_text,
        "__injected_components_py_checksums": {"md5": checksum},
    }


def test_sdm_injected_manifest_and_components_match_main_py(env, reference, tmp_path):
    code = COMPONENTS_PATH.read_text()
    config_path = write_json(tmp_path / "injected_config.json", _injected_config(env, code, md5_text(code)))
    proc = _sdm_read(["--config", str(config_path)], cwd=tmp_path, AIRBYTE_ENABLE_UNSAFE_CODE="true")
    got = records_by_stream(assert_successful_read(proc, "source-declarative-manifest with injected manifest"))
    assert as_sets(got) == as_sets(reference)


def test_sdm_injected_components_checksum_is_enforced(env, tmp_path):
    code = COMPONENTS_PATH.read_text()
    config_path = write_json(tmp_path / "bad_checksum.json", _injected_config(env, code, md5_text(code + "#")))
    proc = _sdm_read(["--config", str(config_path)], cwd=tmp_path, AIRBYTE_ENABLE_UNSAFE_CODE="true")
    assert proc.returncode != 0 and not records_by_stream(parse_messages(proc.stdout))
    assert "checksum" in (proc.stdout + proc.stderr).lower()


# --------------------------------------------------------------------------------------------------------------
# 5. The image layout the Dockerfile builds, run through the base image's local-manifest path
# --------------------------------------------------------------------------------------------------------------

IMAGE_MANIFEST = "/airbyte/integration_code/source_declarative_manifest/manifest.yaml"


def _dockerfile_recipe():
    text = (REPO_ROOT / "Dockerfile").read_text()
    workdir = re.findall(r"^WORKDIR\s+(\S+)", text, re.M)
    copies = dict((dst, src) for src, dst in re.findall(r"^COPY\s+(\S+)\s+(\S+)\s*$", text, re.M))
    seds = re.findall(r"sed -i '(s/[^']+)'", text)
    return text, workdir, copies, seds


def test_dockerfile_targets_the_base_image_local_manifest_path():
    sdm_run = (Path(SDM_SCRIPT).resolve().parent.parent / "lib").glob(
        "python3*/site-packages/airbyte_cdk/cli/source_declarative_manifest/_run.py"
    )
    run_src = next(iter(sdm_run)).read_text()
    assert IMAGE_MANIFEST in run_src, "the CDK no longer switches to local-manifest mode on that path"
    assert 'path_to_yaml="manifest.yaml"' in run_src
    text, workdir, copies, seds = _dockerfile_recipe()
    assert workdir and workdir[-1] == "/airbyte/integration_code", workdir
    abs_copies = {str(Path(workdir[-1]) / dst): src for dst, src in copies.items()}
    assert abs_copies.get(IMAGE_MANIFEST) == "manifest.yaml", copies
    assert abs_copies.get("/airbyte/integration_code/source_declarative_manifest/components.py") == \
        "source_snipeit/components.py", copies
    assert seds, "no class-name rewrite in the Dockerfile"
    # Bundled components are trusted: the image must not turn on code injection through the config.
    assert not re.search(r"^ENV\s+.*AIRBYTE_ENABLE_UNSAFE_CODE", text, re.M)


def _sed_apply(expr: str, text: str) -> str:
    m = re.fullmatch(r"s/(.+?)/(.*?)/g", expr)
    assert m, f"unsupported sed expression {expr!r}"
    pattern, repl = m.group(1), m.group(2).replace("\\/", "/")
    return re.sub(pattern.replace("\\.", r"\."), repl.replace("\\.", "."), text)


def test_image_layout_reads_same_records_as_main_py(env, reference, tmp_path):
    """Rebuild /airbyte/integration_code under tmp from the Dockerfile's COPY/sed lines plus the base image's own
    files (main.py, source_declarative_manifest/{__init__,run}.py, spec.json as in the CDK's Dockerfile), then run
    the base image's local-manifest handler from another cwd, without AIRBYTE_ENABLE_UNSAFE_CODE."""
    _, workdir, copies, seds = _dockerfile_recipe()
    root = tmp_path / "integration_code"
    pkg = root / "source_declarative_manifest"
    pkg.mkdir(parents=True)
    cdk_sdm = next((Path(SDM_SCRIPT).resolve().parent.parent / "lib").glob(
        "python3*/site-packages/airbyte_cdk/cli/source_declarative_manifest"))
    (pkg / "__init__.py").write_text("")
    shutil.copy(cdk_sdm / "_run.py", pkg / "run.py")
    shutil.copy(cdk_sdm / "spec.json", pkg / "spec.json")
    for dst, src in copies.items():
        shutil.copy(REPO_ROOT / src, root / dst)
    for expr in seds:
        target = pkg / "manifest.yaml"
        target.write_text(_sed_apply(expr, target.read_text()))
    assert "source_snipeit" not in (pkg / "manifest.yaml").read_text()
    # The base image's main.py calls run(), which picks local-manifest mode when IMAGE_MANIFEST exists; that path
    # is absolute, so call the same handler directly.
    (root / "main.py").write_text(
        "import sys\nfrom source_declarative_manifest.run import handle_local_manifest_command\n"
        "handle_local_manifest_command(sys.argv[1:])\n"
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    proc = run_cli(
        [PYTHON, str(root / "main.py"), "read", "--config", str(env["config_path"]), "--catalog", str(CATALOG_PATH)],
        cwd=elsewhere, env=clean_env(),
    )
    got = records_by_stream(assert_successful_read(proc, "image layout (local manifest)"))
    assert as_sets(got) == as_sets(reference)
    spec = run_cli([PYTHON, str(root / "main.py"), "spec"], cwd=elsewhere, env=clean_env())
    specs = [m for m in parse_messages(spec.stdout) if m.get("type") == "SPEC"]
    assert spec.returncode == 0 and len(specs) == 1, spec.stdout[-2000:] + spec.stderr[-2000:]
    assert specs[0]["spec"]["connectionSpecification"] == manifest_dict()["spec"]["connection_specification"]


# --------------------------------------------------------------------------------------------------------------
# 3. The manifest validates against declarative_component_schema.yaml
# --------------------------------------------------------------------------------------------------------------


def _validate(manifest: dict) -> None:
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
        ConcurrentDeclarativeSource,
        validate_manifest,
    )
    from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
    from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

    schema = yaml.safe_load(
        (Path(__import__("airbyte_cdk").__file__).parent / "sources/declarative/declarative_component_schema.yaml")
        .read_text()
    )
    m = copy.deepcopy(manifest)
    m.setdefault("type", "DeclarativeSource")
    resolved = ManifestReferenceResolver().preprocess_manifest(m)
    propagated = ManifestComponentTransformer().propagate_types_and_parameters("", resolved, {})
    validate_manifest(propagated, schema)
    # And the CDK's own path (validation in the constructor), which also builds every component.
    ConcurrentDeclarativeSource(source_config=copy.deepcopy(manifest), config=None, catalog=None, state=None)


def test_manifest_validates_against_declarative_component_schema():
    _validate(manifest_dict())


def test_manifest_validation_rejects_an_invalid_manifest():
    bad = manifest_dict()
    bad["streams"] = [{"type": "DeclarativeStream", "retriever": {"type": "NoSuchRetriever"}}]
    with pytest.raises(ValidationError):
        _validate(bad)
