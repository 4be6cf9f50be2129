"""What the partner API says of a bad field of a request's JSON body, in the hub's words:
each reason reads after the field's name (``victim.date_of_birth: is not a date like
2026-03-31``), says what was wrong and what the field takes, as the import's problems
do, where marshmallow's own messages ("Not a valid date.", "Missing data for required
field.") said neither in the hub's voice nor what form a value should take."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

#: A schema's own refusals: a field it does not know, a value that is not an object.
SCHEMA = {
    "unknown": "is not a field this call takes",
    "type": "is not a JSON object",
}

#: Any field's refusals.
ANY = {
    "required": "is required",
    "null": "is null: leave the field out when there is nothing to send",
}

#: Each kind of field's refusal of a value it cannot read, most particular first.
INVALID: list[tuple[type[fields.Field], dict[str, str]]] = [
    (
        fields.AwareDateTime,
        {
            "invalid": "is not a date and time like 2026-03-30T22:15:00+01:00",
            "invalid_awareness": "has no offset from UTC: give it as 2026-03-30T22:15:00+01:00 "
            "(+01:00 in summer time, +00:00 or Z in winter)",
        },
    ),
    (fields.Email, {"invalid": "is not an e-mail address"}),
    (fields.String, {"invalid": "is not text (a JSON string)"}),
    (fields.Date, {"invalid": "is not a date like 2026-03-31 (or no such day)"}),
    (fields.Boolean, {"invalid": "is not true or false"}),
    (fields.List, {"invalid": "is not a list"}),
    (fields.Nested, {"type": SCHEMA["type"]}),
]


def in_our_words(schema: Schema) -> None:
    """Give ``schema``'s fields (and a list's items) the hub's reasons; a nested schema,
    itself in our words, gives its own."""
    schema.error_messages = {**schema.error_messages, **SCHEMA}
    for field in schema.fields.values():
        _reworded(field)


def _reworded(field: fields.Field) -> None:
    field.error_messages = {**field.error_messages, **ANY}
    for kind, words in INVALID:
        if isinstance(field, kind):
            field.error_messages.update(words)
            break
    if isinstance(field, fields.Email):  # its check was made with marshmallow's words
        field.validators = [
            validate.Email(error=field.error_messages["invalid"])
            if isinstance(check, validate.Email)
            else check
            for check in field.validators
        ]
    if isinstance(field, fields.List):
        _reworded(field.inner)
