import subprocess
import sys
from pathlib import Path

import yaml

from hullgen.cli import main

from .conftest import REPO


def test_check_config_accepts_the_shipped_configs(capsys):
    configs = sorted(str(p) for p in (REPO / "config").glob("*.yaml"))
    assert main(["check-config", *configs]) == 0
    assert capsys.readouterr().out.count(": ok") == len(configs)


def test_check_config_names_the_bad_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"spaces": [{"name": "w", "kind": "wavelt"}]}))
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "spaces[0].kind" in err and "wavelt" in err


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("hullgen")
    proc = subprocess.run([str(exe), "datasets"], capture_output=True, text=True, check=True)
    assert "cifar-10-binary.tar.gz" in proc.stdout
    assert "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd" in proc.stdout
