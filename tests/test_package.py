"""The package as a whole: its docstring and version (issue 10, section 4)."""
import configparser
from pathlib import Path
import numpy_mlp

ROOT = Path(__file__).resolve().parents[1]

def test_package_has_its_docstring():
    "nbdev used to write __version__ above the docstring, which left numpy_mlp.__doc__ None."
    assert numpy_mlp.__doc__ and numpy_mlp.__doc__.startswith('A multilayer perceptron')

def test_version_is_the_one_in_settings():
    cfg = configparser.ConfigParser(); cfg.read(ROOT / 'settings.ini')
    assert numpy_mlp.__version__ == cfg['DEFAULT']['version']
