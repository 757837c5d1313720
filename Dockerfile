# syntax=docker/dockerfile:1
# Image for source-snipeit, built on Airbyte's manifest-only runner (airbyte/source-declarative-manifest).
#
#   docker build -t airbyte/source-snipeit:dev .
#   docker run --rm airbyte/source-snipeit:dev spec
#
# How the runner finds the connector (same layout as Airbyte's docker-images/Dockerfile.manifest-only-connector):
# - /airbyte/integration_code/main.py runs source_declarative_manifest.run, which switches to "local manifest"
#   mode when /airbyte/integration_code/source_declarative_manifest/manifest.yaml exists and loads that file
#   (package data of the source_declarative_manifest package; the platform runs connectors from another cwd).
# - Custom components are imported by the class names written in the manifest. This repo names them
#   source_snipeit.components.X; the copied manifest is rewritten to source_declarative_manifest.components.X,
#   the name Airbyte's manifest-only connectors use, and components.py is copied into that package.
# - Components bundled in the image are trusted by the CDK, so AIRBYTE_ENABLE_UNSAFE_CODE is NOT set: it is only
#   needed for code injected through the config (__injected_components_py) or --components-path, and setting it
#   would allow a config to inject code.
ARG BASE_IMAGE=docker.io/airbyte/source-declarative-manifest:7.39.1
FROM ${BASE_IMAGE}

WORKDIR /airbyte/integration_code
USER root

COPY manifest.yaml ./source_declarative_manifest/manifest.yaml
COPY source_snipeit/components.py ./source_declarative_manifest/components.py

RUN sed -i 's/source_snipeit\.components\./source_declarative_manifest.components./g' \
        ./source_declarative_manifest/manifest.yaml \
    && if grep -n 'source_snipeit\.' ./source_declarative_manifest/manifest.yaml; then \
         echo "manifest.yaml still references source_snipeit after the rewrite" >&2; exit 1; fi \
    && if grep -nE '^[[:space:]]*(from|import)[[:space:]]+source_snipeit' ./source_declarative_manifest/components.py; then \
         echo "components.py imports source_snipeit, which is not in the image" >&2; exit 1; fi \
    && chmod a+r ./source_declarative_manifest/manifest.yaml ./source_declarative_manifest/components.py \
    && python -c "import source_declarative_manifest.components" \
    && python /airbyte/integration_code/main.py spec > /dev/null

USER airbyte
ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-snipeit
LABEL io.airbyte.version=0.1.0
