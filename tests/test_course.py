"""The course's round trip with nbgrader itself: release the student's edition, then autograde three submissions
(the teacher's solutions, the untouched release, and a release with typical mistakes planted in it) and make
nbgrader's feedback for them."""
import json, re
from pathlib import Path
import pytest
from nbgrader.api import Gradebook
from numpy_mlp.course import CHAPTERS, assignment_name, nbgrader_api, release

NBS = Path(__file__).parents[1]/'nbs'
NAMES = [assignment_name(ch) for ch in CHAPTERS]

# Typical mistakes, each a whole solution cell a student might write: a function name, and its wrong body.
PLANTED = {
    'my_softmax': ("def my_softmax(Z):\n    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)\n",
                   'maximum'),
    'my_cross_entropy': ("def my_cross_entropy(Z, y):\n"
                         "    S = Z - Z.max(axis=1, keepdims=True)\n"
                         "    L = S - np.log(np.exp(S).sum(axis=1, keepdims=True))\n"
                         "    return float(-L[np.arange(len(y)), y].sum())\n", 'mean'),
    'my_backward': ("def my_backward(params, cache, X, y, l2=0.0):\n"
                    "    L = len(params) // 2\n"
                    "    dZ = cache['P'].copy()\n"
                    "    dZ[np.arange(len(X)), y] -= 1\n"
                    "    grads = {}\n"
                    "    for l in range(L, 0, -1):\n"
                    "        A = X if l == 1 else cache[f'A{l-1}']\n"
                    "        grads[f'W{l}'] = A.T @ dZ + l2 * params[f'W{l}']\n"
                    "        grads[f'b{l}'] = dZ.sum(axis=0)\n"
                    "        if l > 1: dZ = (dZ @ params[f'W{l}'].T) * (cache[f'Z{l-1}'] > 0)\n"
                    "    return grads\n", '1/n'),
}

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
def _grading(cell): return cell['metadata'].get('nbgrader', {})

def _submit(course, student, name, nb):
    folder = course/'submitted'/student/name
    folder.mkdir(parents=True, exist_ok=True)
    (folder/f'{name}.ipynb').write_text(json.dumps(nb), encoding='utf-8')

def _plant(nb, teacher):
    "Fill the student's edition: planted mistakes where PLANTED has one, the teacher's solution elsewhere."
    right = {_grading(c)['grade_id']: _src(c) for c in teacher['cells'] if _grading(c).get('solution')}
    planted = []
    for c in nb['cells']:
        g = _grading(c)
        if not g.get('solution'): continue
        fn = re.search(r'def (my_\w+)', right[g['grade_id']])
        if fn and fn.group(1) in PLANTED:
            c['source'] = PLANTED[fn.group(1)][0]
            planted.append(fn.group(1))
        else: c['source'] = right[g['grade_id']]
    return planted

def _ok(result): assert result['success'], (result.get('error') or '')[-3000:] + (result.get('log') or '')[-3000:]

@pytest.fixture(scope='module')
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp('course')
    rel = release(course, source=NBS)
    api, planted = nbgrader_api(course), {}
    for name in NAMES:
        teacher = json.loads((course/'source'/name/f'{name}.ipynb').read_text())
        student = json.loads((rel/name/f'{name}.ipynb').read_text())
        _submit(course, 'teacher', name, teacher)
        _submit(course, 'blank', name, student)
        for who in ('teacher', 'blank'): _ok(api.autograde(name, who, force=True))
        planted[name] = _plant(student, teacher)
        if planted[name]:                   # the chapters with a planted mistake; the rest equal the teacher's
            _submit(course, 'planted', name, student)
            _ok(api.autograde(name, 'planted', force=True))
            _ok(api.generate_feedback(name, 'planted', force=True))
    return course, planted

def test_release_has_stubs_and_no_solutions(course):
    course, _ = course
    for name in NAMES:
        nb = json.loads((course/'release'/name/f'{name}.ipynb').read_text())
        text = '\n'.join(_src(c) for c in nb['cells'])
        assert 'BEGIN SOLUTION' not in text and 'END SOLUTION' not in text, name
        kinds = [c['cell_type'] for c in nb['cells'] if _grading(c).get('solution')]
        assert kinds.count('code') >= 2 and 'markdown' in kinds, f"{name}: needs code and written exercises"
        tests = [c for c in nb['cells'] if _grading(c).get('grade') and c['cell_type'] == 'code']
        assert tests and all(_grading(c).get('locked') and _grading(c).get('points') for c in tests), name
        # the chapter's checkers follow its exercises in the teacher's edition: none of them reaches a student
        assert 'How these exercises are checked' not in text and 'fails_with' not in text, name
        assert not re.search(r'_exercise\(|_measure\(|what_a_student_sees|_test_measure', text), name

def _scores(course, student):
    with Gradebook(f"sqlite:///{course/'gradebook.db'}") as gb:
        out = {}
        for name in NAMES:
            s = gb.find_submission(name, student)
            out[name] = (s.code_score, s.max_code_score)
        return out

def test_teachers_solutions_get_full_marks(course):
    for name, (got, most) in _scores(course[0], 'teacher').items():
        assert most > 0 and got == most, f"{name}: the teacher's edition scores {got} of {most}"

def test_untouched_release_scores_zero_and_runs_to_the_end(course):
    course, _ = course
    for name, (got, most) in _scores(course, 'blank').items():
        assert got == 0, f"{name}: an empty submission scores {got} of {most}"
        graded = json.loads((course/'autograded'/'blank'/name/f'{name}.ipynb').read_text())
        code = [c for c in graded['cells'] if c['cell_type'] == 'code']
        assert all(c.get('execution_count') for c in code), f"{name}: not every cell ran"
        errors = [o for c in code for o in c.get('outputs', []) if o.get('output_type') == 'error']
        assert errors and all(o['ename'] in ('NotImplementedError', 'NameError', 'ExerciseError') for o in errors), \
            sorted({o['ename'] for o in errors})

def test_planted_mistakes_get_partial_marks_and_named_in_feedback(course):
    course, planted = course
    assert sum(map(len, planted.values())) == len(PLANTED), planted
    with Gradebook(f"sqlite:///{course/'gradebook.db'}") as gb:
        scores = {name: (gb.find_submission(name, 'planted').code_score,
                         gb.find_submission(name, 'planted').max_code_score) for name, fns in planted.items() if fns}
    for name, fns in planted.items():
        if not fns: continue
        got, most = scores[name]
        assert 0 < got < most, f"{name}: {got} of {most} with {fns} planted"
        feedback = (course/'feedback'/'planted'/name/f'{name}.html').read_text()
        for fn in fns:
            assert 'ExerciseError' in feedback and PLANTED[fn][1] in feedback, f"{name}: feedback misses {fn}'s hint"

def test_alembic_is_found_beside_python_without_breaking_path(monkeypatch, tmp_path):
    "nbgrader runs `alembic` by name: an unactivated venv, an unset or empty PATH, and no alembic at all."
    import os, shutil, sys
    from numpy_mlp.course import CourseError, _find_alembic
    here = os.path.dirname(sys.executable)
    if not shutil.which('alembic', path=here): pytest.skip('alembic is not beside this Python')
    for path in (None, '', '/usr/bin:/bin'):
        if path is None: monkeypatch.delenv('PATH', raising=False)
        else: monkeypatch.setenv('PATH', path)
        _find_alembic(); _find_alembic()                       # twice: PATH does not grow
        parts = os.environ['PATH'].split(os.pathsep)
        assert parts[0] == here and parts.count(here) == 1 and '' not in parts, parts
        assert set((path or os.defpath).split(os.pathsep)) - {''} <= set(parts)
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(sys, 'executable', str(tmp_path / 'python'))
    with pytest.raises(CourseError, match='nbgrader needs the `alembic` command'):
        _find_alembic()
    assert os.environ['PATH'] == str(tmp_path)
