"""The committed manifest.yaml + components.py under the runtimes Airbyte runs them with, compared with
`python main.py read` on every stream of the manifest.

The runtimes run from a virtual environment with only `airbyte-cdk` installed (what Airbyte's manifest-only image
`airbyte/source-declarative-manifest` is), built once under `.cache/` (see `clean_cdk_venv`), from a directory
outside the repo: the project's package is not importable there, so a class name or import that still needs it fails.

How the CDK loads custom components (airbyte-cdk 7.39.1):
- --components-path FILE: exec'd as module `components`, also registered as `source_declarative_manifest.components`;
  requires AIRBYTE_ENABLE_UNSAFE_CODE=true. The manifest's class names are `source_declarative_manifest.components.X`.
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

from harness import (
    ALL_STREAMS,
    COMPONENTS_PATH,
    MANIFEST_PATH,
    REPO,
    clean_cdk_venv,
    clean_env,
    make_config,
    manifest_dict,
    md5_text,
    run_command,
    run_read,
    running_emulator,
    small_dataset,
    write_json,
    write_read_inputs,
)

IMAGE_ROOT = "/airbyte/integration_code"
IMAGE_MANIFEST = f"{IMAGE_ROOT}/source_declarative_manifest/manifest.yaml"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_emulator(small_dataset(), rate_limit=100_000) as emu:
        yield {"emu": emu, "config": make_config(emu), "tmp": tmp_path_factory.mktemp("runtimes")}


@pytest.fixture(scope="module")
def reference(env):
    """`python main.py read` of every manifest stream (full refresh): the records each runtime must reproduce."""
    result = run_read(env["tmp"], env["config"], streams=ALL_STREAMS, env=clean_env())
    assert result.ok, result.describe()
    records = result.canonical_records()
    empty = [s for s in ALL_STREAMS if not records.get(s)]
    assert not empty, f"the dataset gives these streams no rows, so comparing them proves nothing: {empty}"
    for stream, rows in records.items():
        assert len(rows) == len(set(rows)), f"main.py read emitted duplicate records in {stream}"
    return records


@pytest.fixture(scope="module")
def cdk_only():
    """bin/ of a venv with only airbyte-cdk; checked to really lack this project."""
    venv = clean_cdk_venv()
    probe = run_command([str(venv / "bin" / "python"), "-c", "import source_snipeit"], cwd=venv, env=clean_env())
    assert probe.returncode != 0 and "No module named 'source_snipeit'" in probe.stderr, probe.stderr
    return venv / "bin"


def _sdm(cdk_only: Path, env, tmp_path: Path, *extra: str, config=None, **env_extra):
    args = write_read_inputs(tmp_path, config or env["config"], streams=ALL_STREAMS)
    return run_command([str(cdk_only / "source-declarative-manifest"), *args, *extra], cwd=tmp_path,
                       env=clean_env(**env_extra))


# --------------------------------------------------------------------------------------------------------------
# source-declarative-manifest --manifest-path --components-path, with the committed files as they are
# --------------------------------------------------------------------------------------------------------------


def test_main_py_read_reads_every_manifest_stream(reference):
    assert set(reference) == set(ALL_STREAMS)


def test_sdm_in_cdk_only_env_emits_the_same_records_as_main_py(cdk_only, env, reference, tmp_path):
    result = _sdm(cdk_only, env, tmp_path, "--manifest-path", str(MANIFEST_PATH),
                  "--components-path", str(COMPONENTS_PATH), AIRBYTE_ENABLE_UNSAFE_CODE="true")
    assert result.ok, result.describe()
    got = result.canonical_records()
    assert set(got) == set(reference)
    for stream in ALL_STREAMS:
        assert got[stream] == reference[stream], f"{stream}: source-declarative-manifest and main.py differ"


def test_sdm_components_path_needs_unsafe_code_flag(cdk_only, env, tmp_path):
    result = _sdm(cdk_only, env, tmp_path, "--manifest-path", str(MANIFEST_PATH),
                  "--components-path", str(COMPONENTS_PATH))
    assert result.returncode != 0 and not result.records
    assert "AIRBYTE_ENABLE_UNSAFE_CODE" in result.stdout + result.stderr


# --------------------------------------------------------------------------------------------------------------
# manifest and components injected in the config (what the platform and PyAirbyte do)
# --------------------------------------------------------------------------------------------------------------


def _injected_config(env, components_text: str, checksum: str) -> dict:
    return {
        **env["config"],
        "__injected_declarative_manifest": manifest_dict(),
        "__injected_components_py": components_text,
        "__injected_components_py_checksums": {"md5": checksum},
    }


def test_sdm_injected_manifest_and_components_match_main_py(cdk_only, env, reference, tmp_path):
    code = COMPONENTS_PATH.read_text()
    result = _sdm(cdk_only, env, tmp_path, config=_injected_config(env, code, md5_text(code)),
                  AIRBYTE_ENABLE_UNSAFE_CODE="true")
    assert result.ok, result.describe()
    assert result.canonical_records() == reference


def test_sdm_injected_components_checksum_is_enforced(cdk_only, env, tmp_path):
    code = COMPONENTS_PATH.read_text()
    result = _sdm(cdk_only, env, tmp_path, config=_injected_config(env, code, md5_text(code + "#")),
                  AIRBYTE_ENABLE_UNSAFE_CODE="true")
    assert result.returncode != 0 and not result.records
    assert "checksum" in (result.stdout + result.stderr).lower()


# --------------------------------------------------------------------------------------------------------------
# The image layout the Dockerfile builds, run through the base image's local-manifest path
# --------------------------------------------------------------------------------------------------------------


def _dockerfile_recipe():
    text = (REPO / "Dockerfile").read_text()
    workdir = re.findall(r"^WORKDIR\s+(\S+)", text, re.M)
    copies = dict((dst, src) for src, dst in re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)\s*$", text, re.M))
    return text, workdir, copies


def _cdk_sdm_dir(cdk_only: Path) -> Path:
    return next((cdk_only.parent / "lib").glob("python3*/site-packages/airbyte_cdk/cli/source_declarative_manifest"))


def test_dockerfile_copies_the_committed_files_unchanged_to_the_local_manifest_path(cdk_only):
    run_src = (_cdk_sdm_dir(cdk_only) / "_run.py").read_text()
    assert IMAGE_MANIFEST in run_src, "the CDK no longer switches to local-manifest mode on that path"
    assert 'path_to_yaml="manifest.yaml"' in run_src
    text, workdir, copies = _dockerfile_recipe()
    assert workdir and workdir[-1] == IMAGE_ROOT, workdir
    abs_copies = {str(Path(workdir[-1]) / dst): src for dst, src in copies.items()}
    assert abs_copies.get(IMAGE_MANIFEST) == "manifest.yaml", copies
    assert abs_copies.get(f"{IMAGE_ROOT}/source_declarative_manifest/components.py") == \
        "components.py", copies
    # No rewriting step: the committed class names are the ones the image resolves.
    assert not re.search(r"^\s*RUN\b.*\bsed\b", text, re.M), "the Dockerfile rewrites files"
    # Bundled components are trusted: the image must not turn on code injection through the config.
    assert not re.search(r"^ENV\s+.*AIRBYTE_ENABLE_UNSAFE_CODE", text, re.M)


def test_image_layout_reads_same_records_as_main_py(cdk_only, env, reference, tmp_path):
    """Rebuild /airbyte/integration_code under tmp from the Dockerfile's COPY lines plus the base image's own files
    (main.py, source_declarative_manifest/{__init__,run}.py, spec.json as in the CDK's Dockerfile), then run the base
    image's local-manifest handler with the CDK-only interpreter, from another cwd, without AIRBYTE_ENABLE_UNSAFE_CODE."""
    _, _, copies = _dockerfile_recipe()
    root = tmp_path / "integration_code"
    pkg = root / "source_declarative_manifest"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    shutil.copy(_cdk_sdm_dir(cdk_only) / "_run.py", pkg / "run.py")
    shutil.copy(_cdk_sdm_dir(cdk_only) / "spec.json", pkg / "spec.json")
    for dst, src in copies.items():
        shutil.copy(REPO / src, root / dst)
    # The base image's main.py calls run(), which picks local-manifest mode when IMAGE_MANIFEST exists; that path
    # is absolute, so call the same handler directly.
    (root / "main.py").write_text(
        "import sys\nfrom source_declarative_manifest.run import handle_local_manifest_command\n"
        "handle_local_manifest_command(sys.argv[1:])\n"
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    python = str(cdk_only / "python")
    args = write_read_inputs(tmp_path / "inputs", env["config"], streams=ALL_STREAMS)
    result = run_command([python, str(root / "main.py"), *args], cwd=elsewhere, env=clean_env())
    assert result.ok, result.describe()
    assert result.canonical_records() == reference
    spec = run_command([python, str(root / "main.py"), "spec"], cwd=elsewhere, env=clean_env())
    specs = spec.of_type("SPEC")
    assert spec.returncode == 0 and len(specs) == 1, spec.describe()
    assert specs[0]["spec"]["connectionSpecification"] == manifest_dict()["spec"]["connection_specification"]


# --------------------------------------------------------------------------------------------------------------
# The manifest validates against declarative_component_schema.yaml
# --------------------------------------------------------------------------------------------------------------


def _validate(manifest: dict) -> None:
    from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
        ConcurrentDeclarativeSource,
        validate_manifest,
    )
    from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
    from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

    from source_snipeit.run import register_components

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
    register_components()
    ConcurrentDeclarativeSource(source_config=copy.deepcopy(manifest), config=None, catalog=None, state=None)


def test_manifest_validates_against_declarative_component_schema():
    _validate(manifest_dict())


def test_manifest_validation_rejects_an_invalid_manifest():
    bad = copy.deepcopy(manifest_dict())
    bad["streams"] = [{"type": "DeclarativeStream", "retriever": {"type": "NoSuchRetriever"}}]
    with pytest.raises(ValidationError):
        _validate(bad)
