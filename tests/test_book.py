"""The notebooks as a book: what the site shows reads well, every chapter 0-7 ends with exercises, and no public
signature renders as `NoneType=None`."""
import importlib, inspect, json, re
from pathlib import Path
import pytest

NBS = Path(__file__).parents[1]/'nbs'
CHAPTERS = sorted(NBS.glob('0[0-7]_*.ipynb'))
ALL = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))

def cells(nb_path): return json.loads(nb_path.read_text(encoding='utf-8'))['cells']
def src(c): return ''.join(c['source']) if isinstance(c['source'], list) else c['source']
def directives(s): return {m.group(1) for m in re.finditer(r'^#\|\s*([\w-]+)', s, re.M)}

def test_found_the_chapters():
    assert [p.name[:2] for p in CHAPTERS] == ['00', '01', '02', '03', '04', '05', '06', '07']

@pytest.mark.parametrize('nb', ALL, ids=lambda p: p.name)
def test_shown_code_lines_fit_the_page(nb):
    long = []
    for i, c in enumerate(cells(nb)):
        if c['cell_type'] != 'code' or directives(src(c)) & {'hide', 'export', 'exporti', 'default_exp'}: continue
        long += [f"cell {i}: {len(l)} chars: {l[:60]}..." for l in src(c).splitlines() if len(l) > 100]
    assert not long, '\n'.join(long)

@pytest.mark.parametrize('nb', CHAPTERS, ids=lambda p: p.name)
def test_chapter_ends_with_exercises_of_each_kind(nb):
    cs = cells(nb)
    start = next((i for i, c in enumerate(cs) if c['cell_type'] == 'markdown'
                  and re.match(r'##\s+Exercises\b', src(c).lstrip())), None)
    assert start is not None, f"{nb.name} has no '## Exercises' section"
    end = next((i for i, c in enumerate(cs) if i > start and c['cell_type'] == 'markdown'
                and re.match(r'##\s', src(c).lstrip())), len(cs))      # the checkers' section follows
    assert end < len(cs) and src(cs[end]).lstrip().startswith('## How these exercises are checked'), \
        f"{nb.name}: its exercises are not followed by 'How these exercises are checked'"
    cs = cs[:end]
    grading = [c['metadata'].get('nbgrader', {}) for c in cs[start:]]
    code_solutions = [c for c in cs[start:] if c['cell_type'] == 'code'
                      and c['metadata'].get('nbgrader', {}).get('solution')]
    implement = [c for c in code_solutions if re.search(r'^def my_\w+', src(c), re.M)]
    measure = [c for c in cs[start:] if c['cell_type'] == 'code' and re.search(r"MEASURES\[", src(c))]
    think = [g for c, g in zip(cs[start:], grading) if c['cell_type'] == 'markdown' and g.get('solution')]
    assert implement and measure and think, f"{nb.name}: implement {len(implement)}, measure {len(measure)}, " \
                                            f"think {len(think)}"
    assert len(implement) + len(measure) + len(think) >= 3
    ids = [g['grade_id'] for g in grading if g]
    assert len(ids) == len(set(ids)), f"{nb.name}: grade ids repeat"
    assert all('### BEGIN SOLUTION' in src(c) and '### END SOLUTION' in src(c) for c in code_solutions)
    assert 'What we built' in '\n'.join(src(c) for c in cs[:start] if c['cell_type'] == 'markdown')

def _public_callables():
    import numpy_mlp
    for mod_name in sorted({p.stem for p in Path(numpy_mlp.__file__).parent.glob('*.py')} - {'_modidx', '__init__'}):
        mod = importlib.import_module(f'numpy_mlp.{mod_name}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            if inspect.isclass(obj):
                yield f'{mod_name}.{name}', obj.__init__
                for m, f in vars(obj).items():
                    if inspect.isfunction(f) and not m.startswith('_'): yield f'{mod_name}.{name}.{m}', f
            elif callable(obj): yield f'{mod_name}.{name}', obj

def test_no_signature_shows_nonetype():
    bad = []
    for name, f in _public_callables():
        try: sig = inspect.signature(f)
        except (TypeError, ValueError): continue
        bad += [f"{name}({p.name}=None)" for p in sig.parameters.values()
                if p.default is None and p.annotation is inspect.Parameter.empty]
    assert not bad, 'annotate these (e.g. `x: int | None = None`): ' + ', '.join(bad)

def test_docstrings_have_no_stray_markdown_emphasis():
    "nbdev shows a docstring in italics (`*docstring*`), so a bare `*` in it ends them half way."
    bad = []
    for name, f in _public_callables():
        doc = inspect.getdoc(f) or ''
        plain = re.sub(r'`[^`]*`', '', doc)           # code spans are safe
        if '*' in plain: bad.append(name)            # nbdev sets a docstring in *italics*: a '*' inside ends them
    assert not bad, 'docstrings that Markdown turns into italics: ' + ', '.join(bad)

def _doc_gaps(f, is_init: bool) -> list:
    "The parameters of `f` without a docment, and 'return' if its result has neither annotation nor docment."
    from fastcore.docments import docments
    d, sig = docments(f, full=True), inspect.signature(f)
    gaps = [n for n, p in sig.parameters.items() if n not in ('self', 'cls')
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and not d[n]['docment']]
    if not is_init and sig.return_annotation is inspect.Signature.empty and not d.get('return', {}).get('docment'):
        gaps.append('return')
    return gaps

def test_public_api_documents_parameters_and_returns():
    """Every public function, constructor and method (in a module's __all__) documents each parameter with a
    docment and its return value; a method that overrides a fully documented one is documented there."""
    import numpy_mlp
    bad = []
    for mod_name in sorted({p.stem for p in Path(numpy_mlp.__file__).parent.glob('*.py')} - {'_modidx', '__init__'}):
        mod = importlib.import_module(f'numpy_mlp.{mod_name}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            if getattr(obj, '__module__', None) != mod.__name__: continue
            if inspect.isfunction(obj): todo = [(f'{mod_name}.{name}', obj, False)]
            elif inspect.isclass(obj):
                todo = [(f'{mod_name}.{name}', obj.__init__, True)] if '__init__' in vars(obj) else []
                for m, f in vars(obj).items():
                    if not inspect.isfunction(f) or m.startswith('_'): continue
                    base = next((getattr(b, m) for b in obj.__mro__[1:] if m in vars(b)), None)
                    if inspect.isfunction(base) and not _doc_gaps(base, False): continue
                    todo.append((f'{mod_name}.{name}.{m}', f, False))
            else: continue
            bad += [f"{q}: {', '.join(g)}" for q, f, init in todo if (g := _doc_gaps(f, init))]
    assert not bad, 'document these (docments: `x: int, # what x is`, `) -> T: # what comes back`):\n' + '\n'.join(bad)

@pytest.mark.parametrize('nb', ALL, ids=lambda p: p.name)
def test_one_public_export_per_cell(nb):
    "An exported cell defines one public function or class, so each gets its own place on the page."
    import ast
    bad = []
    for c in cells(nb):
        s = src(c)
        if c['cell_type'] != 'code' or not directives(s) & {'export', 'exports'}: continue
        names = [n.name for n in ast.parse(s).body
                 if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith('_')]
        if len(names) > 1: bad.append(f"cell {c.get('id')}: {', '.join(names)}")
    assert not bad, '\n'.join(bad)

TEACHING = ['data', 'activations', 'model', 'loss', 'backward', 'optim', 'training']   # chapters 00-06

def _code_lines(source: str) -> tuple:
    "The line numbers holding code (not blank, not a comment, not a docstring), and the module's AST."
    import ast, io, tokenize
    tree, doc = ast.parse(source), set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body and isinstance(n.body[0], ast.Expr) \
                and isinstance(getattr(n.body[0], 'value', None), ast.Constant) and isinstance(n.body[0].value.value, str):
            doc |= set(range(n.body[0].lineno, n.body[0].end_lineno + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines = {l for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip
             for l in range(t.start[0], t.end[0] + 1)}
    for n in tree.body:                              # imports and __all__ are neither teaching nor checks
        if isinstance(n, (ast.Import, ast.ImportFrom)) or (isinstance(n, ast.Assign)
                                                            and getattr(n.targets[0], 'id', '') == '__all__'):
            lines -= set(range(n.lineno, n.end_lineno + 1))
    return lines - doc, tree

def check_lines(source: str) -> tuple:
    """(code lines, lines of checks) of a module. Checks: functions and classes named check... or _check...,
    `raise` statements, `if` statements whose body raises (the guard), and `try` statements that raise."""
    import ast
    lines, tree = _code_lines(source)
    span = lambda n, end=None: set(range(n.lineno, (end or n).end_lineno + 1))
    found = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name.lstrip('_').startswith('check'): found |= span(n)
        elif isinstance(n, ast.Raise): found |= span(n)
        elif isinstance(n, ast.If) and any(isinstance(s, ast.Raise) for s in n.body): found |= span(n, n.body[-1])
        elif isinstance(n, ast.Try) and any(isinstance(s, ast.Raise) for h in n.handlers for s in ast.walk(h)):
            found |= span(n)
    return len(lines), len(found & lines)

def test_check_lines_counts_what_it_says():
    src = '''
def check_x(x):
    "doc"
    if x < 0:
        raise ValueError('no')
    return x

def teach(a, b):
    # a comment
    c = a @ b
    if c.any(): raise ValueError('no')
    return c
'''
    assert check_lines(src) == (8, 5)     # check_x: 4 lines (its docstring not counted); the guard: 1

def test_teaching_chapters_are_mostly_teaching():
    """What chapters 00-06 export to their own modules is at most 20% checks: the checks live in the appendix's
    module, numpy_mlp.checks. (Their exercise checkers, exported to numpy_mlp.exercises, are counted apart.)"""
    import numpy_mlp
    pkg = Path(numpy_mlp.__file__).parent
    counts = {m: check_lines((pkg/f'{m}.py').read_text(encoding='utf-8')) for m in TEACHING}
    total, checks = (sum(c[i] for c in counts.values()) for i in (0, 1))
    assert checks / total <= 0.20, f"{checks} of {total} lines are checks: " + ', '.join(
        f'{m} {c}/{n}' for m, (n, c) in counts.items())
