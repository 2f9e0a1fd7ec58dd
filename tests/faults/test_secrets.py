"""Known s3 credentials pushed through every way out: parser messages, the CLI's errors, the
journal (and so the report), JSON."""

from __future__ import annotations

import json

from fault_cases import ACCESS_2, SECRET, SECRET_2
from ffwizard.core import secrets
from ffwizard.core.journal import Journal
from ffwizard.core.yamlio import YamlReadError, parse_yaml, read_text, rt_load

FLOW = (f"s3: {{access-key: '{ACCESS_2}', secret-access-key: '{SECRET_2}', "
        f"secret-access-key: '{SECRET}'}}\n")


def messages_of(text: str) -> list[str]:
    found = []
    for parse in (lambda: parse_yaml(text, where="f"), lambda: rt_load(text, where="f")):
        try:
            parse()
        except YamlReadError as err:
            found.append(str(err))
    return found


def test_parser_messages_never_quote_a_secret():
    for text in (FLOW, f"s3:\n  secret-access-key: {SECRET}\n  secret-access-key: {SECRET_2}\n",
                 f"s3: {{access-key: '{ACCESS_2}'}}\ns3: {{secret-access-key: '{SECRET}'}}\n",
                 f"s3: {{secret-access-key: '{SECRET}', x: [}}\n",
                 f"s3: {{secret-access-key: \"{SECRET}\0\"}}\n"):
        messages = messages_of(text)
        assert messages
        for message in messages:
            assert SECRET not in message and SECRET_2 not in message and ACCESS_2 not in message


def test_a_file_read_registers_its_secrets_for_every_later_message(tmp_path):
    path = tmp_path / "sf.yaml"
    path.write_text(f"s3: {{secret-access-key: '{SECRET_2}'}}\n")
    read_text(path)
    assert secrets.redact(f"tool said: bad key {SECRET_2}!") == "tool said: bad key ***!"


def test_the_journal_masks_known_secrets(tmp_path):
    secrets.remember(f"secret-access-key: {SECRET}\n")
    journal = Journal(tmp_path)
    journal.append("step_failed", step="x", error=f"s3 said: {SECRET} rejected")
    text = (tmp_path / "journal.jsonl").read_text() if (tmp_path / "journal.jsonl").exists() \
        else "".join(p.read_text() for p in tmp_path.iterdir())
    assert SECRET not in text
    assert json.loads(text.splitlines()[0])["error"] == "s3 said: *** rejected"


def test_masking_keeps_empty_values_and_yaml_shape():
    assert secrets.mask_secrets("access-key: ''\nsecret-access-key: abc # c\n") == \
        "access-key: ''\nsecret-access-key: '***' # c\n"
