"""The package's modules import one another in one direction only: a chapter's module may use the chapters
before it, never one after it, so no module imports (directly or through others) a module that imports it.
The one exception is the appendix's `checks`, which every chapter may use because it imports nothing of the package.
Imports inside functions count as much as those at the top: they only postpone the circle."""
import ast
from pathlib import Path
import pytest

PKG = Path(__file__).parents[1]/'numpy_mlp'
MODULES = sorted(p.stem for p in PKG.glob('*.py') if p.stem != '_modidx')

def _type_checking_only(tree: ast.AST) -> set:
    "The import nodes under `if TYPE_CHECKING:`, which never run."
    skip = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and isinstance(node.test, (ast.Name, ast.Attribute))
                and (getattr(node.test, 'id', None) or getattr(node.test, 'attr', None)) == 'TYPE_CHECKING'):
            skip |= {id(n) for part in node.body for n in ast.walk(part)}
    return skip

def package_imports(source: str, # a module's source code
                    modules=MODULES, # the package's module names (`__init__` for the package itself)
                   ) -> set: # the package modules it imports, anywhere in the file
    "The numpy_mlp modules that `source` imports: at the top, inside functions and classes, relative or not."
    tree = ast.parse(source)
    skip, found = _type_checking_only(tree), set()
    for node in ast.walk(tree):
        if id(node) in skip: continue
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split('.')
                if parts[0] == 'numpy_mlp': found.add(parts[1] if len(parts) > 1 else '__init__')
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1: rest = node.module or ''                       # from .x import y
            elif node.level == 0 and (node.module or '').split('.')[0] == 'numpy_mlp':
                rest = node.module[len('numpy_mlp'):].lstrip('.')              # from numpy_mlp.x import y
            else: continue
            if rest: found.add(rest.split('.')[0])
            else:               # from numpy_mlp import x: a submodule, or a name the package's __init__ gives
                found |= {a.name if a.name in modules else '__init__' for a in node.names}
    return found

def import_graph() -> dict:
    "Each module of numpy_mlp and the package modules it imports."
    return {m: package_imports((PKG/f'{m}.py').read_text(encoding='utf-8')) - {m} for m in MODULES}

def cycles(graph: dict) -> list:
    "Every import circle of `graph`, each as a list of modules starting and ending with the same one."
    found, state = [], {}
    def visit(m, path):
        state[m] = 'open'
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 'open': found.append(path[path.index(n):] + [n])
            elif n not in state: visit(n, path + [n])
        state[m] = 'done'
    for m in sorted(graph):
        if m not in state: visit(m, [m])
    return found

def test_parser_sees_every_kind_of_import():
    src = '''
import numpy as np
from .model import MLP
from numpy_mlp.data import to_float
import numpy_mlp.io
from numpy_mlp import evaluate, cli
from . import optim
from typing import TYPE_CHECKING
if TYPE_CHECKING: from numpy_mlp.draw import draw
def late():
    from numpy_mlp.loss import evaluate       # inside a function: still a dependency
    import numpy_mlp.training as t
class C:
    def m(self): from .augment import as_images
'''
    assert package_imports(src) == {'model', 'data', 'io', '__init__', 'cli', 'optim', 'loss', 'training',
                                    'augment'}

def test_cycles_are_found():
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c', 'a']]
    assert cycles({'model': {'data'}, 'loss': {'model'}, 'data': set()}) == []

def test_found_the_modules():
    assert {'data', 'model', 'loss', 'training', 'cli', '__init__'} <= set(MODULES)

def test_lower_modules_import_nothing_above_them():
    "model.py (chapter 2) imports neither loss.py (chapter 3) nor anything after it; checks.py imports nothing."
    g = import_graph()
    assert g['checks'] == set(), g['checks']
    assert g['data'] <= {'checks'}, g['data']
    assert g['model'] <= {'activations', 'data', 'checks'}, g['model']

def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, 'import circles: ' + '; '.join(' -> '.join(c) for c in found)
