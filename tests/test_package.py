"""The package as a whole: its docstring and version, and the wheel and sdist as PyPI receives them."""
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

# --- The package as PyPI receives it ---
import os, re, subprocess, sys, tarfile, zipfile
import pytest

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    """The wheel and sdist, built as `python -m build` builds them (an isolated build environment with the
    setuptools pyproject.toml asks for, from the package registry). `.ci/run` passes the ones it built and
    checked with twine in NUMPY_MLP_DIST, so the same files are tested."""
    given = os.environ.get('NUMPY_MLP_DIST')
    out = Path(given) if given else tmp_path_factory.mktemp('dist')
    if not given:
        subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(out), str(ROOT)],
                       check=True)
        subprocess.run([sys.executable, 'setup.py', '-q', 'sdist', '-d', str(out)], cwd=ROOT, check=True,
                       capture_output=True)
    wheels, sdists = sorted(out.glob('numpy_mlp-*.whl')), sorted(out.glob('numpy_mlp-*.tar.gz'))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(out.iterdir())
    return wheels[0], sdists[0]

def test_the_wheel_carries_the_data_and_the_pad_and_nothing_of_the_repository(dist):
    names = set(zipfile.ZipFile(dist[0]).namelist())
    for f in ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
              't10k-labels-idx1-ubyte.gz']:
        assert f'numpy_mlp/datafiles/mnist/{f}' in names, f
    for f in ['numpy_mlp/datafiles/draw_model.npz', 'numpy_mlp/static/pad.js', 'numpy_mlp/cli.py',
              'numpy_mlp/_modidx.py']:
        assert f in names, f
    assert not [n for n in names if n.endswith('.ipynb') or n.startswith(('tests/', 'nbs/', 'benchmarks/'))
                or '/tests/' in n or n.startswith('numpy_mlp/test')], sorted(names)

def test_the_wheel_states_its_licence_links_and_pythons(dist):
    meta = zipfile.ZipFile(dist[0]).read(
        next(n for n in zipfile.ZipFile(dist[0]).namelist() if n.endswith('.dist-info/METADATA'))).decode()
    assert 'License-Expression: Apache-2.0' in meta and 'License-File: LICENSE' in meta
    for kind in ('Documentation', 'Source', 'Issues'): assert f'Project-URL: {kind}, https://' in meta, kind
    pythons = re.findall(r'Programming Language :: Python :: (3\.\d+)', meta)
    assert pythons == [f'3.{m}' for m in range(9, 15)], pythons
    assert 'Requires-Python: >=3.9' in meta

def test_the_readme_pypi_shows_has_no_relative_image(dist):
    "PyPI shows README.md with no repository beside it: every image must be an absolute address."
    readme = (ROOT / 'README.md').read_text()
    images = re.findall(r'!\[[^\]]*\]\(([^)\s]+)', readme) + re.findall(r'<img[^>]+src="([^"]+)"', readme)
    assert images, 'README has no image at all: the check would pass for nothing'
    assert all(i.startswith('https://') for i in images), images

def test_the_sdist_ships_no_tests_and_what_a_build_needs(dist):
    "The sdist installs the package; its tests would need the clone's notebooks, so it ships none."
    names = [n.split('/', 1)[1] for n in tarfile.open(dist[1]).getnames() if '/' in n]
    assert not [n for n in names if n.startswith('tests')], names
    for f in ['setup.py', 'settings.ini', 'pyproject.toml', 'README.md', 'LICENSE',
              'numpy_mlp/datafiles/draw_model.npz', 'numpy_mlp/static/pad.js']:
        assert f in names, f
