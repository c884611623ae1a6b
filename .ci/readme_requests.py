"""Sends every curl request of README.md, top to bottom, to MOCK_URL, the way
a newcomer pasting them would (issue #13.19). The example clients then run
against the same server and must still pass: an example that throttled its
client for 30 s used to make examples/client/client_test.py fail."""
import os
import shlex
import urllib.error
import urllib.request

base = os.environ["MOCK_URL"].rstrip("/")
sent = 0
in_code = False
for line in open(os.path.join(os.path.dirname(__file__), "..", "README.md")):
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
print(f"README: {sent} requests sent in order")
assert sent >= 25, "the README's curl lines were not found"
