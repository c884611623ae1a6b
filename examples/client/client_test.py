#!/usr/bin/env python3
"""A sample connector client's CI check against crm-connector-mock.

Standard library only. Checks one successful GetRelatedActivities call, each of
the six documented error scenarios (status, errorCode, and the headers a client
must honour), and the custom SERVICE_UNAVAILABLE scenario loaded from
examples/scenarios/. Prints one line per check and a final "N passed, N failed";
exits 1 if any check failed.

    MOCK_URL=http://127.0.0.1:8080 python3 examples/client/client_test.py
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE_URL = os.environ.get("MOCK_URL", "http://127.0.0.1:8080").rstrip("/")
ACTIVITIES = "/api/related-activities?recordType=account&recordId=42"
TIMEOUT = 10  # seconds per request


def get(path, headers=None):
    """GET BASE_URL+path; returns (status, headers, parsed JSON body or None)."""
    request = urllib.request.Request(BASE_URL + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 4xx/5xx still carry a body
        status, response_headers, raw = error.code, error.headers, error.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return status, response_headers, body


def wait_until_healthy(seconds=15.0):
    """Waits for GET /health to answer 200 (docker compose already waits; a bare CI step may not)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get("/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)


def check_success():
    status, _, body = get(ACTIVITIES)
    if status != 200:
        return f"status {status}, expected 200"
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        return "body has no 'value' list"
    if not isinstance(body.get("hasMoreResults"), bool):
        return "body has no boolean 'hasMoreResults'"
    return None


def check_error(trigger, status_expected, code_expected, header=None, header_value=None):
    """Asks for a scenario with X-Simulate-Error and checks the answer."""
    status, headers, body = get(ACTIVITIES, {"X-Simulate-Error": trigger})
    if status != status_expected:
        return f"status {status}, expected {status_expected}"
    code = body.get("errorCode") if isinstance(body, dict) else None
    if code != code_expected:
        return f"errorCode {code!r}, expected {code_expected!r}"
    if header is not None:
        value = headers.get(header)
        if not value:
            return f"no {header} header"
        if header_value is not None and value.strip() != header_value:
            return f"{header}: {value!r}, expected {header_value!r}"
    return None


CHECKS = [
    ("success: GetRelatedActivities 200 with value", check_success),
    ("400 INVALID_CRM_CONNECTION", lambda: check_error("400", 400, "INVALID_CRM_CONNECTION")),
    (
        "401 INVALID_TOKEN_SPECIFIED + WWW-Authenticate",
        lambda: check_error("401", 401, "INVALID_TOKEN_SPECIFIED", "WWW-Authenticate"),
    ),
    ("403 INSUFFICIENT_PERMISSIONS", lambda: check_error("403", 403, "INSUFFICIENT_PERMISSIONS")),
    ("404 RECORD_NOT_FOUND", lambda: check_error("404", 404, "RECORD_NOT_FOUND")),
    (
        "429 REQUEST_THROTTLED + Retry-After",
        lambda: check_error("429", 429, "REQUEST_THROTTLED", "Retry-After"),
    ),
    ("500 INTERNAL_SERVER_ERROR", lambda: check_error("500", 500, "INTERNAL_SERVER_ERROR")),
    (
        "503 SERVICE_UNAVAILABLE (custom) + Retry-After: 30",
        lambda: check_error("SERVICE_UNAVAILABLE", 503, "SERVICE_UNAVAILABLE", "Retry-After", "30"),
    ),
]


def main():
    print(f"mock: {BASE_URL}")
    wait_until_healthy()
    passed = failed = 0
    for name, check in CHECKS:
        try:
            problem = check()
        except Exception as error:  # a refused connection, a timeout, ...
            problem = f"{type(error).__name__}: {error}"
        if problem is None:
            passed += 1
            print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {problem}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
