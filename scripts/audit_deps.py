"""Audit the installed Python packages for known vulnerabilities (pip-audit), for `make lint`.

Fails on a known vulnerability. When the advisory service cannot be reached (no network, or a
package mirror that does not serve advisories, so every package is skipped) it says so plainly
and passes: a lint run must not depend on a service outside the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    cmd = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--format", "json"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        print("dependency audit skipped: the advisory service did not answer within 180 s")
        return 0
    try:
        report = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    deps = report.get("dependencies") or []
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        why = (done.stderr.strip().splitlines() or ["no answer"])[-1][:200]
        print(
            "dependency audit skipped: the advisory service is not reachable from this machine "
            f"({len(deps)} packages could not be looked up; {why})"
        )
        return 0
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    skipped = len(deps) - len(audited)
    print(
        f"dependency audit: {len(audited)} packages checked, {len(vulnerable)} with known "
        f"vulnerabilities" + (f", {skipped} not found on the advisory service" if skipped else "")
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
