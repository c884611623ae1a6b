"""Calls both operations through a client openapi-python-client generated
from the served document (issue #15 item 4): a 200 of each parses into its
envelope and items, and an error parses into the Error model.

Run by .ci/openapi-lint.sh with the generator's virtualenv (it has httpx and
attrs, which the generated code imports): python openapi_client.py DIR URL,
where DIR holds the generated package crm_connector_client.
"""

import sys


def main(package_dir, base_url):
    sys.path.insert(0, package_dir)
    from crm_connector_client import Client
    from crm_connector_client.api.copilot_for_sales import (
        scp_get_related_activities as activities,
        scp_get_related_records as records,
    )
    from crm_connector_client.models import ActivitiesList, Error, RelatedRecordsList

    client = Client(base_url=base_url, raise_on_unexpected_status=True)
    got = activities.sync_detailed(client=client, record_type="account", record_id="42", top=3,
                                   accept_language="de", x_ms_client_request_id="client-1")
    assert got.status_code == 200, got
    assert isinstance(got.parsed, ActivitiesList), got.content
    assert len(got.parsed.value) == 3, got.parsed
    first = got.parsed.value[0]
    assert first.title and first.date_time, first
    assert all(isinstance(v, str) for v in first.additional_properties.to_dict().values()), first
    got = records.sync_detailed(client=client, record_type="account", record_id="42")
    assert got.status_code == 200, got
    assert isinstance(got.parsed, RelatedRecordsList), got.content
    assert got.parsed.value and got.parsed.value[0].record_title, got.parsed
    got = records.sync_detailed(client=client, record_type="account", record_id="42", top=-1,
                                x_ms_client_request_id="client-2")
    assert got.status_code == 400, got
    assert isinstance(got.parsed, Error), got.content
    assert got.parsed.error_code == "INVALID_REQUEST" and got.parsed.activity_id == "client-2", got.parsed
    print("openapi-python-client: both operations 200, and a 400 as Error")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
