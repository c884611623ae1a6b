-- A mixed load for wrk: success on both operations, every documented scenario,
-- a short delay, transport faults and admin calls, one request at a time per
-- connection in a fixed rotation. Used by benches/bench.py and benches/soak.py.
local requests = {
  {"/api/related-activities?recordType=account&recordId=MIX-%d", nil},
  {"/api/related-records?recordType=opportunity&recordId=MIX-%d", nil},
  {"/api/related-activities?recordType=lead&recordId=MIX-%d&top=5&skip=5", nil},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "INVALID_CRM_CONNECTION"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "404"},
  {"/api/related-activities?recordType=account&recordId=MIX-%d", "401"},
  {"/api/related-activities?recordType=account&recordId=MIX-%d", "403"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "429"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "500"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "MALFORMED_JSON"},
  {"/api/related-activities?recordType=account&recordId=MIX-%d", "EMPTY_BODY"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "SLOW_BODY; interval=2"},
  {"/api/related-records?recordType=account&recordId=MIX-%d", "500,429,200"},
  {"/api/related-activities?recordType=account&recordId=0065g00000DeletedAAA", nil},
  {"/__admin/requests?status=500", nil},
  {"/api/related-activities?recordType=account&recordId=MIX-%d&simulateDelay=5", nil},
  {"/__admin/requests/count?status=429", nil},
}
local n = 0
request = function()
  n = n + 1
  local r = requests[(n % #requests) + 1]
  local path = string.format(r[1], n % 500)
  local headers = {}
  if r[2] then headers["X-Simulate-Error"] = r[2] end
  headers["X-Simulate-Session"] = "mix-" .. n
  return wrk.format("GET", path, headers)
end
