"""A port of Parsedown 1.7.4 ``line()`` (inline elements only) with safe mode on.

This is what Snipe-IT's ``Helper::parseEscapedMarkedownInline()`` uses for ``notes`` fields (and, since
2023-07, for the activity log's ``note``). Checked line by line against erusev/parsedown at the tag 1.7.4
(Parsedown.php: line(), inline*(), element(), sanitiseElement()); where PHP's regexes have no ``u`` flag their
classes are ASCII here too (``re.ASCII``), and the possessive quantifiers are kept (Python 3.11).
"""
from __future__ import annotations

import re

_MARKERS = '!"*_&[:<>`~\\'
_MARKER_RE = re.compile(r'[!"*_&\[:<>`~\\]')
_SPECIAL = set('\\`*_{}[]()>#+-.!|')

_STRONG = {
    "*": re.compile(r'^[*]{2}((?:\\\*|[^*]|[*][^*]*[*])+?)[*]{2}(?![*])', re.S | re.A),
    "_": re.compile(r'^__((?:\\_|[^_]|_[^_]*_)+?)__(?!_)', re.S),
}
_EM = {
    "*": re.compile(r'^[*]((?:\\\*|[^*]|[*][*][^*]+?[*][*])+?)[*](?![*])', re.S | re.A),
    "_": re.compile(r'^_((?:\\_|[^_]|__[^_]*__)+?)_(?!_)\b', re.S),
}
_URL = re.compile(r'\bhttps?:[/]{2}[^\s<]+\b/*', re.I)
_URLTAG = re.compile(r'^<(\w+:/{2}[^ >]+)>', re.I | re.A)
_EMAILTAG = re.compile(r'^<((mailto:)?\S+?@\S+?)>', re.I | re.A)
_ENTITY = re.compile(r'^&#?\w+;', re.A)
_STRIKE = re.compile(r'^~~(?=\S)(.+?)(?<=\S)~~', re.A)
_LINK_DEST = re.compile(r'''^[(]\s*+((?:[^ ()]++|[(][^ )]+[)])++)(?:[ ]+("[^"]*"|'[^']*'))?\s*[)]''', re.A)
_SAFE_SCHEMES = ("http://", "https://", "ftp://", "ftps://", "mailto:", "data:image/png;base64,",
                 "data:image/gif;base64,", "data:image/jpeg;base64,", "irc:", "ircs:", "git:", "ssh:", "news:",
                 "steam:")
_BR1 = re.compile(r'(?:[ ][ ]+|[ ]*\\)\n')


def _esc(text, allow_quotes=False):
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not allow_quotes:
        text = text.replace('"', "&quot;").replace("'", "&#039;")
    return text


def _unmarked(text):
    if "\n" in text:
        text = _BR1.sub("<br />\n", text)
        text = text.replace(" \n", "\n")
    return text


def _safe_url(url):
    low = url.lower()
    for s in _SAFE_SCHEMES:
        if low.startswith(s):
            return url
    return url.replace(":", "%3A")


def _element(el):
    name = el["name"]
    attrs = el.get("attributes") or {}
    if name == "a" and "href" in attrs:
        attrs = dict(attrs, href=_safe_url(attrs["href"]))
    if name == "img" and "src" in attrs:
        attrs = dict(attrs, src=_safe_url(attrs["src"]))
    out = "<" + name
    for k, v in attrs.items():
        if v is None:
            continue
        out += ' %s="%s"' % (k, _esc(v))
    if "text" in el:
        out += ">"
        if el.get("handler") == "line":
            out += line(el["text"], el.get("nonNestables", ()))
        else:
            out += _esc(el["text"], True)
        out += "</%s>" % name
    else:
        out += " />"
    return out


def _special_character(text, context):
    c = text[0]
    if c == "&" and not _ENTITY.match(text):
        return {"markup": "&amp;", "extent": 1}
    m = {">": "&gt;", "<": "&lt;", '"': "&quot;"}.get(c)
    if m:
        return {"markup": m, "extent": 1}
    return None


def _emphasis(text, context):
    if len(text) < 2:
        return None
    marker = text[0]
    m = None
    tag = None
    if text[1] == marker:
        m = _STRONG[marker].match(text)
        tag = "strong"
    if not m:
        m = _EM[marker].match(text)
        tag = "em"
    if not m:
        return None
    return {"extent": len(m.group(0)), "element": {"name": tag, "handler": "line", "text": m.group(1)}}


def _code(text, context):
    marker = re.escape(text[0])
    m = re.match(r'^(' + marker + r'+)[ ]*(.+?)[ ]*(?<!' + marker + r')\1(?!' + marker + r')', text, re.S)
    if not m:
        return None
    t = re.sub(r'[ ]*\n', ' ', m.group(2))
    return {"extent": len(m.group(0)), "element": {"name": "code", "text": t}}


def _url(text, context):
    if len(text) < 3 or text[2] != "/":
        return None
    m = _URL.search(context)
    if not m:
        return None
    u = m.group(0)
    return {"extent": len(u), "position": m.start(),
            "element": {"name": "a", "text": u, "attributes": {"href": u}}}


def _url_tag(text, context):
    if ">" in text:
        m = _URLTAG.match(text)
        if m:
            u = m.group(1)
            return {"extent": len(m.group(0)), "element": {"name": "a", "text": u, "attributes": {"href": u}}}
    return None


def _email_tag(text, context):
    if ">" in text:
        m = _EMAILTAG.match(text)
        if m:
            u = m.group(1)
            href = u if m.group(2) else "mailto:" + u
            return {"extent": len(m.group(0)), "element": {"name": "a", "text": u, "attributes": {"href": href}}}
    return None


def _strike(text, context):
    if len(text) < 2 or text[1] != "~":
        return None
    m = _STRIKE.match(text)
    if not m:
        return None
    return {"extent": len(m.group(0)), "element": {"name": "del", "text": m.group(1), "handler": "line"}}


def _escape_seq(text, context):
    if len(text) > 1 and text[1] in _SPECIAL:
        return {"markup": text[1], "extent": 2}
    return None


def _bracketed(text):
    """preg_match('/\\[((?:[^][]++|(?R))*+)\\]/', $text): the first balanced [...] anywhere in ``text`` (not
    anchored: it may start after the excerpt's own "["), as (start, end) or None."""
    for start in range(len(text)):
        if text[start] != "[":
            continue
        depth = 0
        for i in range(start, len(text)):
            depth += {"[": 1, "]": -1}.get(text[i], 0)
            if depth == 0:
                return start, i + 1
    return None


def _link(text, context, image=False):
    found = _bracketed(text)
    if found is None:
        return None
    start, end = found
    label = text[start + 1:end - 1]
    # Parsedown takes the match's length, not its end, as the extent: a match that does not start at the
    # excerpt's first character leaves the remainder misaligned, as it does in PHP
    extent = end - start
    rest = text[extent:]
    d = _LINK_DEST.match(rest)
    if not d:
        return None  # a reference-style link: line() has no definitions, so never a link
    href = d.group(1)
    title = d.group(2)[1:-1] if d.group(2) else None
    extent += len(d.group(0))
    attrs = {"href": href, "title": title}
    return {"extent": extent, "element": {"name": "a", "handler": "line", "nonNestables": ("Url", "Link"),
                                          "text": label, "attributes": attrs}}


def _image(text, context):
    if len(text) < 2 or text[1] != "[":
        return None
    link = _link(text[1:], context)
    if link is None:
        return None
    a = link["element"]["attributes"]
    return {"extent": link["extent"] + 1,
            "element": {"name": "img", "attributes": {"src": a["href"], "alt": link["element"]["text"],
                                                      "title": a["title"]}}}


_TYPES = {
    '"': [("SpecialCharacter", _special_character)],
    "!": [("Image", _image)],
    "&": [("SpecialCharacter", _special_character)],
    "*": [("Emphasis", _emphasis)],
    ":": [("Url", _url)],
    "<": [("UrlTag", _url_tag), ("EmailTag", _email_tag), ("SpecialCharacter", _special_character)],
    ">": [("SpecialCharacter", _special_character)],
    "[": [("Link", _link)],
    "_": [("Emphasis", _emphasis)],
    "`": [("Code", _code)],
    "~": [("Strikethrough", _strike)],
    "\\": [("EscapeSequence", _escape_seq)],
}


def line(text, non_nestables=()):
    markup = []
    while True:
        mm = _MARKER_RE.search(text)
        if not mm:
            break
        pos = mm.start()
        marker = text[pos]
        excerpt = text[pos:]
        for name, fn in _TYPES[marker]:
            if non_nestables and name in non_nestables:
                continue
            inline = fn(excerpt, text)
            if inline is None:
                continue
            ipos = inline.get("position", pos)
            if ipos > pos:
                continue
            if non_nestables and "element" in inline:
                inline["element"]["nonNestables"] = tuple(inline["element"].get("nonNestables", ())) + tuple(non_nestables)
            markup.append(_unmarked(text[:ipos]))
            markup.append(inline["markup"] if "markup" in inline else _element(inline["element"]))
            text = text[ipos + inline["extent"]:]
            break
        else:
            markup.append(_unmarked(text[:pos + 1]))
            text = text[pos + 1:]
    markup.append(_unmarked(text))
    return "".join(markup)


def markdown_inline(s):
    """Helper::parseEscapedMarkedownInline(): null/empty -> None."""
    if s is None or s == "":
        return None
    return line(str(s))
