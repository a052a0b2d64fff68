"""`make audit`: pip-audit over the installed environment, with an honest verdict.

pip-audit prints "No known vulnerabilities found" and exits 0 even when the advisory
service answered for none of the packages (every one "skipped"), e.g. on a machine
that cannot reach pypi.org or osv.dev. This wrapper counts what was really audited:

  exit 0  every installed dependency was checked and none has a known vulnerability
  exit 1  known vulnerabilities (listed, with the versions that fix them)
  exit 2  the advisory service could not be asked, or skipped packages: not audited

Extra arguments go to pip-audit, e.g. `make audit AUDIT_ARGS="-s osv"` or
`--ignore-vuln GHSA-xxxx` for a finding explained in SECURITY.md.
"""

from __future__ import annotations

import json
import subprocess
import sys


def main(extra: list[str]) -> int:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--skip-editable",
        *extra,
    ]  # --skip-editable: Rongrian itself is not on PyPI
    run = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"audit: NOT AUDITED - pip-audit could not ask its advisory service:\n  {last}")
        return 2
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = len(dependencies) - len(skipped)
    print(
        f"audit: {audited} of {len(dependencies)} installed packages checked, "
        f"{len(skipped)} skipped, {len(vulnerable)} with known vulnerabilities"
    )
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"  {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixes})")
    if vulnerable:
        return 1
    if skipped:
        for dependency in skipped[:5]:
            print(f"  skipped: {dependency['skip_reason']}")
        print(
            f"audit: NOT AUDITED - the advisory service gave no answer for {len(skipped)} packages "
            "(no network to pypi.org / osv.dev?); see SECURITY.md"
        )
        return 2
    print("audit: no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
