"""README, CI script and packaging agree."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_commands_verbatim():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    install_demo, install_test = blocks[0].strip(), blocks[1].strip()
    assert "classicsr demo" in install_demo and "pytest" in install_test
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert install_demo in ci and install_test in ci
