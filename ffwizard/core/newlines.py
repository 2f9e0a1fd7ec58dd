"""Line endings of a file ffwizard edits: a file saved with Windows line endings (CRLF) is
edited as LF text (ruamel.yaml and the text-unit edits speak LF) and written back with CRLF."""

from __future__ import annotations

from ffwizard.core.errors import EditError
from ffwizard.i18n import _

CRLF = "\r\n"
LF = "\n"


def line_ending(text: str, *, where: str) -> str:
    """CRLF when every line break of `text` is one, else LF; a file that mixes both is refused
    (written back in one kind, the other lines would change unseen)."""
    crlf = text.count(CRLF)
    if not crlf:
        return LF
    if crlf == text.count(LF):
        return CRLF
    raise EditError(_("the file mixes Windows (CRLF) and Unix (LF) line endings, so ffwizard "
                      "cannot keep them as they are; save it with one kind and plan again."),
                    where=where)


def as_lf(text: str) -> str:
    return text.replace(CRLF, LF)


def with_ending(text: str, ending: str) -> str:
    """LF text with `ending` as its line break."""
    return text.replace(LF, CRLF) if ending == CRLF else text
