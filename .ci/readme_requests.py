"""Sends every curl request of the documentation, top to bottom, to MOCK_URL,
the way a newcomer pasting them would (issue #13.19): README.md, then
docs/*.md in name order, then CONTRIBUTING.md, the order tests/api/readme.rs
replays them in. The example clients then run against the same server and
must still pass: an example that throttled its client for 30 s used to make
examples/client/client_test.py fail."""
import glob
import os
import shlex
import urllib.error
import urllib.request

root = os.path.join(os.path.dirname(__file__), "..")
pages = (
    ["README.md"]
    + sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "docs", "*.md")))
    + ["CONTRIBUTING.md"]
)
base = os.environ["MOCK_URL"].rstrip("/")
sent = 0
for page in pages:
    in_code = False
    for line in open(os.path.join(root, page), encoding="utf-8"):
        line = line.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not (in_code and line.startswith("curl ")):
            continue
        words = shlex.split(line, comments=True)[1:]
        method, url, headers, data = None, None, {}, None
        while words:
            word = words.pop(0)
            if word == "-H":
                name, value = words.pop(0).split(": ", 1)
                headers[name] = value
            elif word == "-X":
                method = words.pop(0)
            elif word == "-d":
                data = words.pop(0).encode()
            elif word in ("-o", "-w"):
                words.pop(0)
            elif word.startswith("http://127.0.0.1:8080"):
                url = base + word[len("http://127.0.0.1:8080"):]
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.read()
        except (ConnectionError, urllib.error.URLError, OSError):
            pass  # the transport-fault examples break the connection on purpose
        sent += 1
print(f"documentation: {sent} requests sent in order from {len(pages)} pages")
assert sent >= 25, "the documentation's curl lines were not found"
