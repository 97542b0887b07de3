"""Prints the messages of a Maildir as JSON, decoded with Python's own e-mail parser.

    python3 maildir.py DIR  ->  [{"file", "to", "subject", "content_type", "parts", "body"}, ...]
    oldest first (`body` is the plain-text part)

Used by register.mjs to read what the real SMTP server (aiosmtpd's Mailbox handler) received:
headers in RFC 2047 encoded words and bodies in quoted-printable or base64 come out as text.
"""

import json
import os
import sys
from email import policy
from email.parser import BytesParser


def main(path):
    messages = []
    new = os.path.join(path, "new")
    cur = os.path.join(path, "cur")
    names = []
    for folder in (new, cur):
        if os.path.isdir(folder):
            names += [os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith(".")]
    for file in names:
        with open(file, "rb") as handle:
            message = BytesParser(policy=policy.default).parse(handle)
        body = message.get_body(preferencelist=("plain",))
        messages.append(
            {
                "file": os.path.basename(file),
                "mtime": os.stat(file).st_mtime,
                "to": str(message.get("To", "")),
                "subject": str(message.get("Subject", "")),
                "content_type": message.get_content_type(),
                "parts": [part.get_content_type() for part in message.walk() if not part.is_multipart()],
                "body": body.get_content() if body is not None else "",
            }
        )
    messages.sort(key=lambda m: (m["mtime"], m["file"]))
    json.dump(messages, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: maildir.py DIR")
    main(sys.argv[1])
