# Parses every message named in the manifest with Python's email package (policy=default) and
# compares headers and decoded bodies with what went in. Prints one JSON object.
import email, json, sys
from email import policy
import email._header_value_parser as parser

# Python before the fix for CPython gh-128110 (Debian 12 ships 3.11) keeps the whitespace between
# two adjacent encoded words in a display name, where RFC 2047 section 6.2 says it is ignored. When
# a probe shows this Python has that bug, the oracle is taught the standard's rule for exactly that
# case: whitespace after an encoded word, followed by another encoded word, reads as nothing.
def _has_gh_128110():
    probe = email.message_from_bytes(b"To: =?utf-8?q?a?= =?utf-8?q?b?= <a@example.org>\r\n\r\n", policy=policy.default)
    return probe["to"].addresses[0].display_name != "ab"

if _has_gh_128110():
    _get_atom = parser.get_atom
    def _get_atom_rfc2047(value):
        atom, rest = _get_atom(value)
        if (rest.startswith("=?") and len(atom) >= 2 and atom[-2].token_type == "encoded-word"
                and atom[-1].token_type == "cfws" and str(atom[-1]).strip(" \t\r\n") == ""):
            atom[-1] = parser.EWWhiteSpaceTerminal(str(atom[-1]), "fws")
        return atom, rest
    parser.get_atom = _get_atom_rfc2047
    assert not _has_gh_128110()

def utf8(s):
    # Raw UTF-8 in headers (internationalised addresses) comes back surrogate-escaped.
    return s.encode("utf-8", "surrogateescape").decode("utf-8") if s is not None else None

def lines(s):
    return s.replace("\r\n", "\n") if s is not None else None

def mailboxes(header):
    if header is None:
        return None
    return [[utf8(a.display_name), utf8(a.addr_spec)] for a in header.addresses]

def check(path, want):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=policy.default)
    problems = []
    def same(what, got, expected):
        if got != expected:
            problems.append({"what": what, "got": got, "expected": expected})
    same("Subject", str(msg["subject"]), want["subject"])
    same("From", mailboxes(msg["from"]), [want["from"]])
    same("To", mailboxes(msg["to"]), want["to"])
    same("Reply-To", mailboxes(msg["reply-to"]), [want["replyTo"]] if want["replyTo"] else None)
    same("Message-ID", str(msg["message-id"]), "<" + want["messageId"] + ">")
    same("Date", msg["date"].datetime.isoformat(), want["date"])
    same("MIME-Version", str(msg["mime-version"]), "1.0")
    for name, value in want["headers"]:
        same(name, [str(v) for v in msg.get_all(name, [])], [value])
    text, html = want["text"], want["html"]
    if text is not None and html is not None:
        same("Content-Type", msg.get_content_type(), "multipart/alternative")
        parts = list(msg.iter_parts())
        same("parts", [p.get_content_type() for p in parts], ["text/plain", "text/html"])
        if len(parts) == 2:
            same("text", lines(parts[0].get_content()), text)
            same("html", lines(parts[1].get_content()), html)
    else:
        kind = "text/html" if html is not None else "text/plain"
        same("Content-Type", msg.get_content_type(), kind)
        same("body", lines(msg.get_content()), html if html is not None else (text or ""))
    if msg.defects:
        problems.append({"what": "defects", "got": [str(d) for d in msg.defects], "expected": []})
    return problems

manifest = json.load(open(sys.argv[1], encoding="utf-8"))
failures = []
for case in manifest:
    problems = check(case["file"], case["expect"])
    if problems:
        failures.append({"case": case["name"], "problems": problems[:3]})
print(json.dumps({"checked": len(manifest), "failures": failures[:20]}, ensure_ascii=False))
