"""The committed manifest.yaml + components.py under the runtimes Airbyte runs them with, compared with
`python main.py read` on every stream of the manifest.

Each runtime is a virtual environment with only `airbyte-cdk` installed (what Airbyte's manifest-only image
`airbyte/source-declarative-manifest` is), built once under `.cache/` (harness.cdk_only_venv), on two interpreters:
the image's own (Python 3.13 with the base image's airbyte-cdk, metadata.yaml) and the project's (3.11 with the
project's airbyte-cdk). Commands run from a directory outside the repo: the project's package is not importable
there, so a class name or import that still needs it fails.

How the CDK loads custom components (airbyte-cdk 7.39.1):
- --components-path FILE: exec'd as module `components`, also registered as `source_declarative_manifest.components`;
  requires AIRBYTE_ENABLE_UNSAFE_CODE=true. The manifest's class names are `source_declarative_manifest.components.X`.
- __injected_components_py (+ __injected_components_py_checksums {"md5": ...}, mandatory): same module names,
  same env gate; a manifest from the config (__injected_declarative_manifest) is untrusted, so even its
  custom class_names need AIRBYTE_ENABLE_UNSAFE_CODE=true.
- Image (local-manifest mode): the layout Airbyte's manifest-only template builds (harness.build_image_layout):
  ./manifest.yaml is read first from the WORKDIR, else pkgutil.get_data("source_declarative_manifest", ...);
  components are plain imports of `source_declarative_manifest.components`, trusted, no env var needed.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import ValidationError

from harness import (
    ALL_STREAMS,
    COMPONENTS_PATH,
    IMAGE_RUNTIME,
    MAIN_PY,
    MANIFEST_PATH,
    PYTHON,
    PROJECT_RUNTIME,
    REPO,
    build_image_layout,
    cdk_only_venv,
    clean_env,
    make_config,
    manifest_dict,
    md5_text,
    run_command,
    run_read,
    running_emulator,
    small_dataset,
    write_read_inputs,
)

IMAGE_ROOT = "/airbyte/integration_code"
IMAGE_MANIFEST = f"{IMAGE_ROOT}/source_declarative_manifest/manifest.yaml"
RUNTIMES = [IMAGE_RUNTIME, PROJECT_RUNTIME]


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


@pytest.fixture(scope="module", params=RUNTIMES, ids=[r.label for r in RUNTIMES])
def cdk_only(request):
    """bin/ of a venv with only airbyte-cdk, per runtime; checked to really lack this project."""
    try:
        venv = cdk_only_venv(request.param)
    except LookupError as missing:
        pytest.skip(str(missing))
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
# The image Airbyte's manifest-only template builds from a clean checkout, run through the base image's handler
# --------------------------------------------------------------------------------------------------------------


def _cdk_sdm_dir(cdk_only: Path) -> Path:
    return next((cdk_only.parent / "lib").glob("python3*/site-packages/airbyte_cdk/cli/source_declarative_manifest"))


def test_the_base_image_takes_the_local_manifest_path_for_the_templates_layout(cdk_only):
    """What the layout test below relies on, read from the CDK's own handler (the base image's run.py)."""
    run_src = (_cdk_sdm_dir(cdk_only) / "_run.py").read_text()
    assert IMAGE_MANIFEST in run_src, "the CDK no longer switches to local-manifest mode on that path"
    assert 'path_to_yaml="manifest.yaml"' in run_src


def test_the_template_layout_of_a_clean_checkout_reads_the_same_records_as_main_py(cdk_only, env, reference, tmp_path):
    """Clone the repository (what CI and Airbyte's build see), lay it out as the template does (root manifest.yaml and
    components.py into source_declarative_manifest/, the base image's main.py and run.py), then run the base image's
    local-manifest handler with the CDK-only interpreter from the image's WORKDIR, without AIRBYTE_ENABLE_UNSAFE_CODE:
    every stream's records equal main.py's."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True, timeout=120)
    for name in ("manifest.yaml", "components.py"):  # the working tree's, so that uncommitted edits are tested too
        shutil.copy(REPO / name, clone / name)
    root = build_image_layout(tmp_path / "image", cdk_only.parent, repo=clone)
    assert (root / "source_declarative_manifest" / "components.py").read_bytes() == COMPONENTS_PATH.read_bytes()
    args = write_read_inputs(tmp_path / "inputs", env["config"], streams=ALL_STREAMS)
    python = str(cdk_only / "python")
    result = run_command([python, str(root / "main.py"), *args], cwd=root, env=clean_env())
    assert result.ok, result.describe()
    assert result.canonical_records() == reference
    spec = run_command([python, str(root / "main.py"), "spec"], cwd=root, env=clean_env())
    specs = spec.of_type("SPEC")
    assert spec.returncode == 0 and len(specs) == 1, spec.describe()
    main_spec = run_command([PYTHON, MAIN_PY, "spec"], cwd=tmp_path, env=clean_env()).of_type("SPEC")
    assert specs[0]["spec"] == main_spec[0]["spec"]
    assert set(specs[0]["spec"]["connectionSpecification"]["properties"]) == \
        set(manifest_dict()["spec"]["connection_specification"]["properties"])


def test_metadata_pins_the_base_image_by_digest_and_the_image_runtime_is_its_cdk():
    import harness

    image = harness.base_image()
    assert re.fullmatch(r"docker\.io/airbyte/source-declarative-manifest:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", image), image
    assert IMAGE_RUNTIME.python == "3.13" and image.startswith(f"docker.io/airbyte/source-declarative-manifest:{IMAGE_RUNTIME.cdk}@")


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

    from source_snipeit.layout import install

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
    install()
    ConcurrentDeclarativeSource(source_config=copy.deepcopy(manifest), config=None, catalog=None, state=None)


def test_manifest_validates_against_declarative_component_schema():
    _validate(manifest_dict())


def test_manifest_validation_rejects_an_invalid_manifest():
    bad = copy.deepcopy(manifest_dict())
    bad["streams"] = [{"type": "DeclarativeStream", "retriever": {"type": "NoSuchRetriever"}}]
    with pytest.raises(ValidationError):
        _validate(bad)
