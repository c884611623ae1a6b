#!/usr/bin/env python3
"""A worked client retry test against crm-connector-mock (standard library only).

`get_with_retries` is the kind of retry loop a connector client needs: it
retries throttling (429) and unavailability (503) after the server's
Retry-After, retries 500s and broken connections with exponential backoff, and
never retries the errors a retry cannot fix (400, 401, 403, 404). The tests
drive it with the mock's sequences and then ask the mock's journal whether the
client behaved: how many attempts it made and whether it ever came back before
a Retry-After had elapsed.

    MOCK_URL=http://127.0.0.1:8080 python3 examples/retry_client.py

Prints one line per test and `N passed, N failed`; exits 1 on any failure.
"""

import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ.get("MOCK_URL", "http://127.0.0.1:8080").rstrip("/")
RETRYABLE = {429, 500, 502, 503, 504}


def get_with_retries(url, headers, max_attempts=5, base_backoff=0.1, timeout=5.0):
    """GET with retries; returns (status, body, attempts)."""
    for attempt in range(1, max_attempts + 1):
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read()), attempt
        except urllib.error.HTTPError as error:
            body = json.loads(error.read() or b"{}")
            if error.code not in RETRYABLE or attempt == max_attempts:
                return error.code, body, attempt
            retry_after = error.headers.get("Retry-After")
            # Honour Retry-After when the server sends it, else back off.
            delay = float(retry_after) if retry_after else base_backoff * 2 ** (attempt - 1)
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError, json.JSONDecodeError):
            if attempt == max_attempts:
                raise
            delay = base_backoff * 2 ** (attempt - 1)
        time.sleep(delay)
    raise AssertionError("unreachable")


def admin_count(**filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    with urllib.request.urlopen(f"{BASE}/__admin/requests/count?{query}", timeout=5) as response:
        return json.loads(response.read())["count"]


def records_url(record_id):
    return f"{BASE}/api/related-records?recordType=account&recordId={record_id}"


def test_retries_throttling_and_errors_until_success_honouring_retry_after():
    session = "retry-example-1"
    headers = {"X-Simulate-Error": "429,500,200", "X-Simulate-Session": session}
    status, body, attempts = get_with_retries(records_url("R-1"), headers)
    assert status == 200 and "value" in body, (status, body)
    assert attempts == 3, attempts
    assert admin_count(session=session) == 3
    assert admin_count(session=session, violation="true") == 0, "came back before Retry-After"


def test_retries_a_reset_connection():
    session = "retry-example-2"
    headers = {"X-Simulate-Error": "CONNECTION_RESET,EMPTY_RESPONSE,200", "X-Simulate-Session": session}
    status, _, attempts = get_with_retries(records_url("R-2"), headers)
    assert (status, attempts) == (200, 3), (status, attempts)


def test_does_not_retry_what_a_retry_cannot_fix():
    session = "retry-example-3"
    for code in ("RECORD_NOT_FOUND", "INSUFFICIENT_PERMISSIONS", "INVALID_TOKEN_SPECIFIED"):
        headers = {"X-Simulate-Error": code, "X-Simulate-Session": session}
        status, body, attempts = get_with_retries(records_url("R-3"), headers)
        assert body["errorCode"] == code and attempts == 1, (code, status, attempts)
    assert admin_count(session=session) == 3


def test_gives_up_after_max_attempts():
    session = "retry-example-4"
    headers = {"X-Simulate-Error": "INTERNAL_SERVER_ERROR", "X-Simulate-Session": session}
    status, body, attempts = get_with_retries(records_url("R-4"), headers, max_attempts=3)
    assert (status, body["errorCode"], attempts) == (500, "INTERNAL_SERVER_ERROR", 3)


def main():
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
    passed = failed = 0
    for test in tests:
        try:
            test()
            passed += 1
            print(f"ok    {test.__name__}")
        except Exception as error:  # report every failure, then go on
            failed += 1
            print(f"FAIL  {test.__name__}: {error!r}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
