"""Schemathesis hooks: constraints the Swagger 2.0 document cannot express.

The server rejects startDateTime later than endDateTime (400 INVALID_REQUEST,
a contract rule), but OpenAPI 2.0 has no way to relate two parameters, so
schemathesis would call such a request "schema-valid". This hook keeps those
out of the positive (valid-data) test cases only; negative testing still sends
anything it likes.
"""

from datetime import datetime

import schemathesis


def _instant(value):
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@schemathesis.hook
def filter_query(ctx, query):
    if not query:
        return True
    start, end = _instant(query.get("startDateTime", "")), _instant(query.get("endDateTime", ""))
    if start is None or end is None:
        return True
    try:
        return start <= end
    except TypeError:  # naive vs aware: not a valid RFC 3339 pair anyway
        return True
