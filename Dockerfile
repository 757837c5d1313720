# syntax=docker/dockerfile:1
# Image for source-snipeit: Airbyte's manifest-only layout on its base image (airbyte/source-declarative-manifest),
# the same layout as Airbyte's docker-images/Dockerfile.manifest-only-connector.
#
#   docker build -t airbyte/source-snipeit:dev .
#   docker run --rm airbyte/source-snipeit:dev spec
#
# How the base image runs the connector:
# - /airbyte/integration_code/main.py (part of the base image) runs source_declarative_manifest.run, which switches to
#   "local manifest" mode when /airbyte/integration_code/source_declarative_manifest/manifest.yaml exists and loads it.
# - The manifest's class names are source_declarative_manifest.components.X as committed, so components.py is copied
#   next to it, into that package, and both files are used exactly as they are in the repository (no rewriting).
# - Components bundled in the image are trusted by the CDK, so AIRBYTE_ENABLE_UNSAFE_CODE is NOT set: it is only
#   needed for code injected through the config (__injected_components_py) or --components-path, and setting it
#   would allow a config to inject code.
# Keep BASE_IMAGE in step with connectorBuildOptions.baseImage in metadata.yaml.
ARG BASE_IMAGE=docker.io/airbyte/source-declarative-manifest:7.39.1
FROM ${BASE_IMAGE}

WORKDIR /airbyte/integration_code

COPY --chmod=644 manifest.yaml ./source_declarative_manifest/manifest.yaml
COPY --chmod=644 components.py ./source_declarative_manifest/components.py

# Fail the build, not the first sync, if the components do not import or the manifest does not load.
RUN python -c "import source_declarative_manifest.components" \
    && python /airbyte/integration_code/main.py spec > /dev/null

# The base image's unprivileged user (UID 1000), as in Airbyte's manifest-only Dockerfile.
USER airbyte
ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-snipeit
LABEL io.airbyte.version=0.1.0
