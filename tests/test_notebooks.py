"""Run every notebook in nbs/ with nbdev's own runner, one pytest test per notebook.

Cells flagged with a test flag from settings.ini (`tst_flags = slow`) are skipped unless `pytest --slow`.
"""
from pathlib import Path
import pytest
import nbdev.test  # the module, not `test_nb` itself: pytest would collect a `test_*` function as a test
from nbdev.config import get_config

NBS = sorted(p for p in (Path(__file__).parents[1]/'nbs').glob('*.ipynb') if not p.name.startswith('_'))

def test_found_notebooks():
    assert any(p.name == '00_data.ipynb' for p in NBS) and any(p.name == 'index.ipynb' for p in NBS)

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_notebook(nb, request):
    flags = get_config(path=nb.parent).tst_flags.split()
    force = flags if request.config.getoption('--slow') else []
    ok, secs = nbdev.test.test_nb(nb, skip_flags=flags, force_flags=force)
    assert ok, f"{nb.name} failed (its traceback is above, on stderr)"
