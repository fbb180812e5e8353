"""The chapters beside the newest nbdev. `pip install nbdev` brings nbdev 3 today, which refuses this
project's settings.ini, and execnb 0.3, which dropped execnb.nbio. A student with those in their environment must
still run a chapter to its end: the closing export cell says in one line what to install instead of raising,
and the course code reads notebooks through fastcore.nbio. This test builds that environment (the newest nbdev,
fastcore and execnb from the package registry, beside numpy_mlp and nbgrader) and runs chapters 01 and 10 in a
kernel there, every cell, as JupyterLab or nbconvert would (nbconvert knows no slow flag; these two have none).
"""
import json, os, subprocess, sys, venv
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ['01_activations.ipynb', '10_course.ipynb']

@pytest.fixture(scope='module')
def newest(tmp_path_factory):
    env = tmp_path_factory.mktemp('nbdev3') / 'venv'
    venv.create(env, with_pip=True)
    py = env / 'bin' / 'python'
    pip = [str(py), '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    subprocess.run(pip + [f'{ROOT}[course]', 'nbconvert', 'ipykernel'], check=True)
    subprocess.run(pip + ['--upgrade', 'nbdev', 'fastcore', 'execnb'], check=True)   # the newest, not the pins
    out = subprocess.run([str(py), '-c', 'import nbdev, fastcore, execnb; print(nbdev.__version__, '
                          'fastcore.__version__, execnb.__version__)'], check=True, capture_output=True, text=True)
    versions = dict(zip(['nbdev', 'fastcore', 'execnb'], out.stdout.split()))
    print('newest:', versions)
    return py, versions

def activated(py: Path) -> dict:
    "The environment of a shell that activated the venv: its bin first on PATH, so its kernel is the one run."
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'JUPYTER_PATH')}
    env.update(PATH=f"{py.parent}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(py.parents[1]))
    return env

@pytest.mark.parametrize('chapter', CHAPTERS)
def test_chapter_runs_beside_the_newest_nbdev(newest, chapter, tmp_path):
    py, versions = newest
    if versions['nbdev'].startswith('2.'):
        pytest.skip(f"the registry's newest nbdev is {versions['nbdev']}: nothing newer to run beside")
    res = subprocess.run([str(py), '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute',
                          '--ExecutePreprocessor.timeout=600', '--ExecutePreprocessor.kernel_name=python3',
                          f'--output-dir={tmp_path}', str(ROOT / 'nbs' / chapter)],
                         cwd=ROOT / 'nbs', capture_output=True, text=True, env=activated(py))
    assert res.returncode == 0, res.stderr[-4000:]
    nb = json.loads((tmp_path / chapter).read_text())
    printed = ''.join(''.join(o.get('text', '')) for c in nb['cells'] if c['cell_type'] == 'code'
                      for o in c.get('outputs', []) if o.get('output_type') == 'stream')
    assert f"needs nbdev 2, not {versions['nbdev']}" in printed, printed[-2000:]
