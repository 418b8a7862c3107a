# Verifies DKIM signatures with python3-dkim, the public key handed in instead of a DNS lookup.
# Argument: a JSON file [{"name", "file", "record"}]; prints {"name": true|false, ...}.
import json, sys
import dkim

cases = json.load(open(sys.argv[1], encoding="utf-8"))
results = {}
for case in cases:
    record = case["record"].encode("ascii")
    def dns(name, timeout=5, record=record):
        return record
    with open(case["file"], "rb") as f:
        results[case["name"]] = bool(dkim.verify(f.read(), dnsfunc=dns))
print(json.dumps(results))
