"The 'Try it' page in headless Chromium: drawn digits are prepared and classified exactly as numpy_mlp's Python does."
import base64, json, shutil, tempfile, time
from pathlib import Path
import numpy as np
import pytest

CHROMIUM, DRIVER = Path('/usr/bin/chromium'), Path('/usr/bin/chromedriver')
PAGE = Path(__file__).resolve().parents[1] / 'nbs' / 'try' / 'index.html'
webdriver = pytest.importorskip('selenium.webdriver', reason='the browser test needs selenium (pip install selenium)')
if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip('the browser test needs Debian\'s chromium and chromium-driver (apt-get install chromium chromium-driver)',
                allow_module_level=True)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.actions import interaction
from numpy_mlp.data import load_mnist
from numpy_mlp.draw import model_from_js
from numpy_mlp.digits import prepare_digit

def browser(width=900, height=900):
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix='numpy_mlp_chromium_')
    for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 f'--user-data-dir={profile}', f'--window-size={width},{height}'):
        opts.add_argument(flag)
    opts.set_capability('goog:loggingPrefs', {'performance': 'ALL'})   # every request the page makes
    return webdriver.Chrome(service=Service(str(DRIVER)), options=opts), profile

def stroke_paths(digit, scale=10):
    "Ink pixels of a 28 x 28 digit, ordered into strokes by walking to the nearest unvisited ink pixel; canvas coords."
    pts = [tuple(p) for p in np.argwhere(digit > 0.5)]
    left, strokes = set(pts), []
    while left:
        cur = min(left); left.remove(cur); path = [cur]
        while left:
            nxt = min(left, key=lambda p: (p[0] - cur[0]) ** 2 + (p[1] - cur[1]) ** 2)
            if (nxt[0] - cur[0]) ** 2 + (nxt[1] - cur[1]) ** 2 > 2: break      # not a neighbour: lift the pen
            left.remove(nxt); path.append(nxt); cur = nxt
        strokes.append([((c + 0.5) * scale, (r + 0.5) * scale) for r, c in path])
    return strokes

def scripted():
    "A few digits drawn by script: a one, a zero (circle), a seven."
    t = np.linspace(0, 2 * np.pi, 40)
    return {1: [[(140, 50), (140, 230)]], 0: [list(zip(140 + 60 * np.sin(t), 140 - 90 * np.cos(t)))],
            7: [[(70, 60), (210, 60), (120, 240)]]}

def draw(driver, canvas, strokes, kind):
    rect = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width];", canvas)
    k = rect[2] / 280
    actions = ActionBuilder(driver, mouse=PointerInput(kind, kind), duration=5)
    ptr = actions.pointer_action
    for path in strokes:
        ptr.move_to(canvas, int((path[0][0] - 140) * k), int((path[0][1] - 140) * k)).pointer_down()
        for x, y in path[1:]: ptr.move_to(canvas, int((x - 140) * k), int((y - 140) * k))
        ptr.pointer_up()
    actions.perform()

@pytest.fixture(scope='module')
def page():
    driver, profile = browser()
    driver.get(PAGE.as_uri())
    yield driver
    driver.quit(); shutil.rmtree(profile, ignore_errors=True)

def test_page_mirrors_python(page):
    t0 = time.time()
    model = model_from_js((PAGE.parent / 'model.js').read_text())
    (_, _), (Xt, yt) = load_mnist()
    drawings = [stroke_paths(Xt[np.flatnonzero(yt == d)[0]].reshape(28, 28)) for d in range(10)] + list(scripted().values())
    kinds = ['mouse'] * len(drawings)
    kinds[3], kinds[7] = 'pen', 'touch'
    canvas = page.find_element('css selector', 'canvas.draw')
    worst_x = worst_p = 0.0
    for strokes, kind in zip(drawings, kinds):
        page.execute_script("window.pad.clear()")
        draw(page, canvas, strokes, kind)
        rgba = base64.b64decode(page.execute_script(
            "const d = window.pad.pixels(); let s = ''; for (let i = 0; i < d.length; i++) s += String.fromCharCode(d[i]); return btoa(s);"))
        rgba = np.frombuffer(rgba, np.uint8).reshape(280, 280, 4)
        result = page.execute_script("return window.pad.result")
        x = prepare_digit(rgba); p = model.predict_proba(x[None])[0]
        assert result is not None, 'the page shows no result after drawing'
        worst_x = max(worst_x, np.abs(np.array(result['prepared']) - x).max())
        worst_p = max(worst_p, np.abs(np.array(result['probs']) - p).max())
        assert int(np.argmax(result['probs'])) == int(np.argmax(p))
    print(f'\n{len(drawings)} drawings in {time.time() - t0:.1f} s: max |JS - Python| prepared {worst_x:.2e}, probabilities {worst_p:.2e}')
    assert worst_x < 1e-4 and worst_p < 1e-4, (worst_x, worst_p)

def test_page_fetches_only_its_folder(page):
    events = [json.loads(e['message'])['message'] for e in page.get_log('performance')]
    sent = [e['params'] for e in events if e['method'] == 'Network.requestWillBeSent']
    folder = PAGE.parent.as_uri() + '/'
    mine = [p['request']['url'] for p in sent if p.get('documentURL', '').startswith(folder)]
    assert {folder + 'index.html', folder + 'model.js', folder + 'pad.js'} <= set(mine), mine
    assert all(u.startswith(folder) for u in mine), [u for u in mine if not u.startswith(folder)]
    network = [p['request']['url'] for p in sent if p['request']['url'].split(':')[0] in ('http', 'https', 'ws', 'wss')]
    assert network == [], network                   # and nothing at all went to the network
