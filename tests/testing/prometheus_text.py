#!/usr/bin/python3
"""Reads a Prometheus text exposition on stdin with the reference parser (python3-prometheus-client)
and prints what it understood as JSON: {"families": [{"name", "type", "help", "samples": [{"name",
"labels", "value"}]}]}. A document the parser refuses exits 1 with its error on stderr."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    families = []
    try:
        for family in text_string_to_metric_families(sys.stdin.read()):
            samples = []
            for s in family.samples:
                value = s.value
                if math.isinf(value) or math.isnan(value):
                    value = str(value)  # JSON has no infinities
                samples.append({"name": s.name, "labels": s.labels, "value": value})
            families.append({"name": family.name, "type": family.type,
                             "help": family.documentation, "samples": samples})
    except Exception as error:  # the parser raises ValueError and others on a bad document
        print(f"not a valid Prometheus text exposition: {error!r}", file=sys.stderr)
        return 1
    json.dump({"families": families}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
