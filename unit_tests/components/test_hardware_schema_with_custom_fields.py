"""HardwareSchemaWithCustomFields: the hardware schema plus one typed column per custom field, read from /fields
through the declared requester and decoder; a token that may not read /fields gets the static schema."""

import logging

import pytest

from airbyte_cdk.sources.declarative.schema import InlineSchemaLoader

from components import HardwareSchemaWithCustomFields, SnipeItPageDecoder, SyncContext, TokenRefused
from unit_tests.components.fakes import FakeRequester, captured_response, manifest_error_handler, response

STATIC = {"type": "object", "properties": {"id": {"type": "integer"}, "_snipeit_ram_3": {"type": ["null", "string"]}}}


def loader(answer, **config):
    requester = FakeRequester(answer, manifest_error_handler(
        {"api_url": "https://snipe.example.com/api/v1/"}, name="hardware", resource="fields",
        permission="customfields.view"))
    schema = HardwareSchemaWithCustomFields(
        config={SyncContext.TOKEN_KEY: "schema", **config}, parameters={},
        base=InlineSchemaLoader(schema=STATIC, parameters={}), requester=requester,
        decoder=SnipeItPageDecoder(parameters={"name": "hardware"}))
    return schema, requester


def test_each_custom_field_of_a_real_instance_becomes_a_column_typed_by_its_format():
    schema, requester = loader(lambda params: captured_response("fields"))
    properties = schema.get_json_schema()["properties"]
    assert properties["_snipeit_cores_10"]["type"] == ["null", "number"]
    assert properties["_snipeit_is_refurbished_12"]["type"] == ["null", "boolean"]
    assert properties["_snipeit_decommission_date_13"] == {
        "type": ["null", "string"], "x-snipeit-custom-field": True, "format": "date",
        "description": "Custom field 'Decommission Date' (DATE)"}
    assert properties["_snipeit_tricky_text_notes_9"]["description"] == "Custom field 'Tricky Text & Notes' (ANY)"
    assert properties["_snipeit_ram_3"] == {"type": ["null", "string"]}  # a static column is kept as declared
    assert requester.sent[0]["params"] == {"limit": 500, "offset": 0}


def test_fields_are_read_once_per_sync_and_the_static_schema_is_not_changed():
    schema, requester = loader(lambda params: captured_response("fields"))
    assert schema.get_json_schema() is schema.get_json_schema()
    assert len(requester.sent) == 1 and set(STATIC["properties"]) == {"id", "_snipeit_ram_3"}


def test_a_token_that_may_not_read_fields_gets_the_static_schema_with_a_warning(caplog):
    schema, _ = loader(lambda params: response({"message": "This action is unauthorized."}, 403))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert schema.get_json_schema() == STATIC
    assert "custom fields could not be read from /api/v1/fields" in caplog.text
    assert "'customfields.view' permission" in caplog.text


def test_a_cut_off_fields_answer_costs_only_the_extra_columns():
    schema, _ = loader(lambda params: response(raw=b'{"total": 14, "rows": [{"id"'))
    assert schema.get_json_schema() == STATIC


def test_a_refused_token_is_the_syncs_error_not_missing_columns():
    schema, _ = loader(lambda params: response({"error": "Unauthorized."}, 401))
    with pytest.raises(TokenRefused):
        schema.get_json_schema()


def test_check_reads_no_fields():
    schema, requester = loader(lambda params: captured_response("fields"), check_mode=True)
    assert schema.get_json_schema() == STATIC and requester.sent == []
