// numpy_mlp's drawing pad: prepare a drawn digit exactly as numpy_mlp.digits.prepare_digit does, and run the
// network exactly as numpy_mlp.model.forward does (ReLU hidden layers, softmax output). Plain JavaScript,
// a classic script: it defines window.NumpyMlpPad, so the page works opened from a local folder.
(function (root) {
  "use strict";

  // ---- preparation: numpy_mlp.digits.prepare_digit, step by step (float64 throughout, as in Python) ----
  function quantile(values, q) {                       // _quantile: sorted value at floor(q (n-1))
    const s = Float64Array.from(values).sort();
    return s[Math.floor(q * (s.length - 1))];
  }

  function grey(rgba, h, w) {                          // _grey, for (h, w, 4) uint8 pixels
    const a = new Float64Array(h * w);
    let inkSum = 0, alphaSum = 0;
    for (let i = 0; i < h * w; i++) {
      const r = rgba[4 * i] / 255, g = rgba[4 * i + 1] / 255, b = rgba[4 * i + 2] / 255;
      a[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    }
    const alpha = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) { alpha[i] = rgba[4 * i + 3] / 255; inkSum += a[i] * alpha[i]; alphaSum += alpha[i]; }
    const paper = inkSum / Math.max(alphaSum, 1e-12) < 0.5 ? 1.0 : 0.0;
    for (let i = 0; i < h * w; i++) a[i] = a[i] * alpha[i] + (1 - alpha[i]) * paper;
    return a;
  }

  function background(a, h, w, cells = 8, q = 0.1) {   // _background
    const ch = Math.ceil(h / cells), cw = Math.ceil(w / cells);
    const gh = Math.ceil(h / ch), gw = Math.ceil(w / cw);
    const g0 = [];
    for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) {
      const block = [];
      for (let y = r * ch; y < Math.min((r + 1) * ch, h); y++)
        for (let x = c * cw; x < Math.min((c + 1) * cw, w); x++) block.push(a[y * w + x]);
      g0.push(quantile(block, q));
    }
    const g = new Float64Array(gh * gw);               // the median of each 3 x 3 neighbourhood of cells
    const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
    for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) {
      const near = [];
      for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) near.push(g0[clamp(r + i, 0, gh - 1) * gw + clamp(c + j, 0, gw - 1)]);
      g[r * gw + c] = Float64Array.from(near).sort()[4];
    }
    const axis = (n, size, count) => Array.from({ length: n }, (_, p) => {
      const t = clamp((p + 0.5) / size - 0.5, 0, count - 1), i0 = Math.floor(t);
      return [i0, Math.min(i0 + 1, count - 1), t - i0];
    });
    const ys = axis(h, ch, gh), xs = axis(w, cw, gw), b = new Float64Array(h * w);
    for (let y = 0; y < h; y++) {
      const [y0, y1, fy] = ys[y];
      for (let x = 0; x < w; x++) {
        const [x0, x1, fx] = xs[x];
        const top = (1 - fx) * g[y0 * gw + x0] + fx * g[y0 * gw + x1];
        const bottom = (1 - fx) * g[y1 * gw + x0] + fx * g[y1 * gw + x1];
        b[y * w + x] = (1 - fy) * top + fy * bottom;
      }
    }
    return b;
  }

  function components(mask, h, w) {                    // _components: 8-connected flood fill, raster order
    const labels = new Int32Array(h * w);
    let n = 0;
    for (let start = 0; start < h * w; start++) {
      if (!mask[start] || labels[start]) continue;
      labels[start] = ++n;
      const stack = [start];
      while (stack.length) {
        const i = stack.pop(), y = Math.floor(i / w), x = i % w;
        for (let yy = Math.max(y - 1, 0); yy < Math.min(y + 2, h); yy++)
          for (let j = yy * w + Math.max(x - 1, 0); j < yy * w + Math.min(x + 2, w); j++)
            if (mask[j] && !labels[j]) { labels[j] = n; stack.push(j); }
      }
    }
    return { labels, n };
  }

  function keepDigit(labels, n, h, w) {                // _keep_digit
    const size = new Array(n + 1).fill(0), box = [];
    for (let k = 0; k <= n; k++) box.push([Infinity, -Infinity, Infinity, -Infinity]);
    for (let i = 0; i < h * w; i++) {
      const k = labels[i]; if (!k) continue;
      const y = Math.floor(i / w), x = i % w, bx = box[k];
      size[k]++; bx[0] = Math.min(bx[0], y); bx[1] = Math.max(bx[1], y); bx[2] = Math.min(bx[2], x); bx[3] = Math.max(bx[3], x);
    }
    const largest = Math.max(...size.slice(1));
    const main = size.map((s, k) => k > 0 && s >= 0.2 * largest);
    let r0 = Infinity, r1 = -Infinity, c0 = Infinity, c1 = -Infinity;
    for (let k = 1; k <= n; k++) if (main[k]) {
      r0 = Math.min(r0, box[k][0]); r1 = Math.max(r1, box[k][1]); c0 = Math.min(c0, box[k][2]); c1 = Math.max(c1, box[k][3]);
    }
    const grow = 0.1 * Math.max(r1 - r0 + 1, c1 - c0 + 1);
    const keptLabel = main.map((m, k) => m || (k > 0 && box[k][0] >= r0 - grow && box[k][1] <= r1 + grow
                                                     && box[k][2] >= c0 - grow && box[k][3] <= c1 + grow));
    return Uint8Array.from(labels, k => (k && keptLabel[k]) ? 1 : 0);
  }

  function strokeWidth(mask, h, w) {                   // _stroke_width: 2 area / perimeter
    let area = 0, perimeter = 0;
    const at = (y, x) => (y >= 0 && y < h && x >= 0 && x < w) ? mask[y * w + x] : 0;
    for (let y = -1; y < h; y++) for (let x = -1; x < w; x++) {
      if (at(y, x) !== at(y + 1, x) && x >= 0) perimeter++;
      if (at(y, x) !== at(y, x + 1) && y >= 0) perimeter++;
    }
    for (let i = 0; i < h * w; i++) area += mask[i];
    return 2 * area / perimeter;
  }

  function extremeFilter(a, h, w, k, f) {               // _extreme_filter: f is Math.min or Math.max, outside = 0
    const get = (y, x) => (y >= 0 && y < h && x >= 0 && x < w) ? a[y * w + x] : 0;
    const rows = new Float64Array((h + 2 * k) * w);      // rows of the padded image, filtered along x
    for (let y = -k; y < h + k; y++) for (let x = 0; x < w; x++) {
      let v = get(y, x - k);
      for (let j = -k + 1; j <= k; j++) v = f(v, get(y, x + j));
      rows[(y + k) * w + x] = v;
    }
    const out = new Float64Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let v = rows[y * w + x];
      for (let i = 1; i <= 2 * k; i++) v = f(v, rows[(y + i) * w + x]);
      out[y * w + x] = v;
    }
    return out;
  }

  function boxWeights(n, m) {                           // _box_weights: (m, n) area-averaging weights
    const s = n / m, W = [];
    for (let i = 0; i < m; i++) {
      const row = new Float64Array(n);
      for (let j = 0; j < n; j++) row[j] = Math.max(Math.min(j + 1, (i + 1) * s) - Math.max(j, i * s), 0) / s;
      W.push(row);
    }
    return W;
  }

  const STROKE_WIDTH = 0.11;

  // rgba: (h, w, 4) uint8 pixels (a canvas's ImageData.data); returns 784 numbers in [0, 1], or null when blank
  function prepareDigit(rgba, h, w) {
    let a = grey(rgba, h, w);
    const border = [];
    for (let x = 0; x < w; x++) border.push(a[x], a[(h - 1) * w + x]);
    for (let y = 0; y < h; y++) border.push(a[y * w], a[y * w + w - 1]);
    if (quantile(border, 0.5) > 0.5) a = a.map(v => 1 - v);            // dark ink on light paper: invert
    const b = background(a, h, w);
    let top = 0;
    for (let i = 0; i < h * w; i++) { a[i] = Math.max(a[i] - b[i], 0) / (1 - b[i] + 1e-6); top = Math.max(top, a[i]); }
    if (top <= 0.05) return null;                                       // blank
    const mask = Uint8Array.from(a, v => v > 0.3 * top ? 1 : 0);
    const { labels, n } = components(mask, h, w);
    const keep = keepDigit(labels, n, h, w);
    let y0 = h, y1 = 0, x0 = w, x1 = 0;
    const inkValues = [];
    for (let i = 0; i < h * w; i++) {
      if (mask[i] && !keep[i]) a[i] = 0;                                // specks away from the digit
      if (keep[i]) { const y = Math.floor(i / w), x = i % w; y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
                     x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1); inkValues.push(a[i]); }
    }
    const level = quantile(inkValues, 0.5);
    let ch = y1 - y0, cw = x1 - x0;
    let ink = new Float64Array(ch * cw), keepCrop = new Uint8Array(ch * cw);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
      ink[y * cw + x] = Math.min(Math.max(a[(y0 + y) * w + x0 + x] / level, 0), 1);
      keepCrop[y * cw + x] = keep[(y0 + y) * w + x0 + x];
    }
    const side = Math.max(ch, cw), width = strokeWidth(keepCrop, ch, cw);
    const k = Math.floor(Math.abs(width - STROKE_WIDTH * side) / 2 + 0.5);
    if (width > 1.3 * STROKE_WIDTH * side) {                            // too thick: erode
      ink = extremeFilter(ink, ch, cw, Math.min(k, Math.trunc(width / 3)), Math.min);
    } else if (width < 0.5 * STROKE_WIDTH * side) {                     // too thin: dilate (after k pixels of margin)
      const padded = new Float64Array((ch + 2 * k) * (cw + 2 * k));
      for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) padded[(y + k) * (cw + 2 * k) + x + k] = ink[y * cw + x];
      ch += 2 * k; cw += 2 * k;
      ink = extremeFilter(padded, ch, cw, k, Math.max);
    }
    const L = Math.max(ch, cw);
    const oh = Math.max(1, Math.floor(ch * 20 / L + 0.5)), ow = Math.max(1, Math.floor(cw * 20 / L + 0.5));
    const R = boxWeights(ch, oh), C = boxWeights(cw, ow);
    const small = new Float64Array(oh * ow);                            // R @ ink @ C.T
    for (let i = 0; i < oh; i++) {
      const rowMix = new Float64Array(cw);
      for (let y = 0; y < ch; y++) { const r = R[i][y]; if (r) for (let x = 0; x < cw; x++) rowMix[x] += r * ink[y * cw + x]; }
      for (let j = 0; j < ow; j++) { let s = 0; for (let x = 0; x < cw; x++) s += rowMix[x] * C[j][x]; small[i * ow + j] = s; }
    }
    let mass = 0, my = 0, mx = 0;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) { const v = small[i * ow + j]; mass += v; my += i * v; mx += j * v; }
    const cy = my / mass, cx = mx / mass;
    const clampInt = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
    const top0 = clampInt(Math.floor(14 - cy + 0.5), 0, 28 - oh), left0 = clampInt(Math.floor(14 - cx + 0.5), 0, 28 - ow);
    const out = new Float64Array(784);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) out[(top0 + i) * 28 + left0 + j] = small[i * ow + j];
    return out;
  }

  // ---- the network: numpy_mlp.model.forward for one input ----
  function decodeFloats(b64) {                          // base64 of little-endian float32 -> Float32Array
    const bytes = Uint8Array.from(atob(b64), ch => ch.charCodeAt(0));
    return new Float32Array(bytes.buffer);
  }

  function loadModel(data) {                             // data: {sizes, W: [base64...], b: [base64...]}
    return { sizes: data.sizes, W: data.W.map(decodeFloats), b: data.b.map(decodeFloats) };
  }

  function forward(model, x) {                           // Z = A W + b; A = relu(Z) between layers; softmax at the end
    let A = x;
    const L = model.W.length;
    for (let l = 0; l < L; l++) {
      const nIn = model.sizes[l], nOut = model.sizes[l + 1], W = model.W[l], Z = Float64Array.from(model.b[l]);
      for (let i = 0; i < nIn; i++) { const ai = A[i]; if (ai) for (let j = 0; j < nOut; j++) Z[j] += ai * W[i * nOut + j]; }
      A = l < L - 1 ? Z.map(z => Math.max(z, 0)) : Z;
    }
    const top = Math.max(...A), E = A.map(z => Math.exp(z - top)), total = E.reduce((s, e) => s + e, 0);
    return E.map(e => e / total);
  }

  // ---- the pad: a canvas to draw on, the 28 x 28 image, the ten probabilities ----
  const SIZE = 280, PEN = 20;

  function createPad(el, onDrawing) {
    el.classList.add("nmp-pad");
    el.innerHTML = `<style>
      .nmp-pad { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; font: 14px sans-serif; }
      .nmp-pad canvas.draw { width: min(280px, 90vw); height: min(280px, 90vw); border: 1px solid #888;
                             touch-action: none; cursor: crosshair; background: #fff; }
      .nmp-pad canvas.small { width: 112px; height: 112px; image-rendering: pixelated; border: 1px solid #888; }
      .nmp-pad .bars div { display: flex; align-items: center; gap: 4px; height: 18px; }
      .nmp-pad .bars span.bar { display: inline-block; height: 12px; background: #2a6fdb; }
      .nmp-pad .bars span.lab { width: 1em; text-align: right; }
      .nmp-pad .cap { font-size: 12px; color: #555; margin-bottom: 2px; }
      </style>
      <div><canvas class="draw" width="${SIZE}" height="${SIZE}"></canvas><br><button class="clear">Clear</button>
           <span class="answer"></span></div>
      <div><div class="cap">what the network sees, 28 x 28</div>
           <canvas class="small" width="28" height="28"></canvas><div class="bars"></div></div>`;
    const canvas = el.querySelector("canvas.draw"), ctx = canvas.getContext("2d", { willReadFrequently: true });
    const smallCtx = el.querySelector("canvas.small").getContext("2d"), bars = el.querySelector(".bars");
    bars.innerHTML = Array.from({ length: 10 }, (_, d) =>
      `<div><span class="lab">${d}</span><span class="bar" style="width:0"></span><span class="p"></span></div>`).join("");
    function clear() { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, SIZE, SIZE); show(null, null); }
    function pixels() { return ctx.getImageData(0, 0, SIZE, SIZE).data; }
    function show(prepared, probs) {
      const img = smallCtx.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = prepared ? Math.round(255 * prepared[i]) : 0;
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
      }
      smallCtx.putImageData(img, 0, 0);
      bars.querySelectorAll("div").forEach((row, d) => {
        const p = probs ? probs[d] : 0;
        row.querySelector(".bar").style.width = `${Math.round(150 * p)}px`;
        row.querySelector(".p").textContent = probs ? p.toFixed(3) : "";
      });
      const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
      el.querySelector(".answer").textContent = probs ? ` I read a ${best}.` : " Draw a digit.";
    }
    let last = null, frame = 0;
    const at = e => { const r = canvas.getBoundingClientRect();
                      return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height]; };
    canvas.addEventListener("pointerdown", e => {
      canvas.setPointerCapture(e.pointerId); last = at(e);
      ctx.fillStyle = "#000"; ctx.beginPath(); ctx.arc(last[0], last[1], PEN / 2, 0, 2 * Math.PI); ctx.fill();
    });
    canvas.addEventListener("pointermove", e => {
      if (!last) return;
      const p = at(e);
      ctx.strokeStyle = "#000"; ctx.lineWidth = PEN; ctx.lineCap = "round"; ctx.lineJoin = "round";
      ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
      last = p;
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; onDrawing(pixels()); });   // live, once per frame
    });
    const end = () => { if (last) { last = null; onDrawing(pixels()); } };   // and at once when the stroke ends
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    el.querySelector("button.clear").addEventListener("click", () => { clear(); onDrawing(null); });
    clear();
    return { canvas, show, clear, pixels };
  }

  // The page: everything runs here. The latest result is kept on the pad for tests: pad.result.
  function mountPage(el, modelData) {
    const model = loadModel(modelData);
    const state = { result: null, updates: 0 };
    const pad = createPad(el, rgba => {
      const prepared = rgba ? prepareDigit(rgba, SIZE, SIZE) : null;
      const probs = prepared ? forward(model, prepared) : null;
      state.result = prepared ? { prepared: Array.from(prepared), probs: Array.from(probs) } : null;
      state.updates++;
      pad.show(prepared, probs);
    });
    return Object.assign(state, pad);
  }

  // In a notebook (anywidget): the pad sends its pixels to Python, which runs the model and sends back the results.
  function renderWidget({ model, el }) {
    const box = document.createElement("div"), sal = document.createElement("canvas");
    const ask = Object.assign(document.createElement("button"), { textContent: "Saliency" });
    sal.width = sal.height = 28; sal.style.cssText = "width:112px;height:112px;image-rendering:pixelated;border:1px solid #888";
    el.append(box, ask, sal);
    let pending = null, busy = false;
    const pad = createPad(box, rgba => {
      pending = rgba;
      if (!busy) flush();
    });
    function flush() {
      if (pending === undefined) return;
      const rgba = pending; pending = undefined; busy = true;
      model.set("pixels", rgba ? new DataView(rgba.buffer.slice(0)) : new DataView(new ArrayBuffer(0)));
      model.set("strokes", model.get("strokes") + 1);
      model.save_changes();
    }
    // "answered" changes with every answer, even one equal to the last (the probabilities alone may not)
    model.on("change:answered", () => {
      const probs = model.get("probs"), prepared = model.get("prepared");
      pad.show(probs.length ? prepared : null, probs.length ? probs : null);
      busy = false; if (pending !== undefined) flush();
    });
    ask.addEventListener("click", () => { model.set("want_saliency", model.get("want_saliency") + 1); model.save_changes(); });
    model.on("change:saliency", () => {
      const s = model.get("saliency"), ctx = sal.getContext("2d"), img = ctx.createImageData(28, 28);
      const top = Math.max(...s, 1e-12);
      for (let i = 0; i < 784; i++) { const v = s.length ? s[i] / top : 0;
        img.data[4 * i] = Math.round(255 * Math.min(1, 2 * v)); img.data[4 * i + 1] = Math.round(255 * Math.max(0, 2 * v - 1));
        img.data[4 * i + 2] = 0; img.data[4 * i + 3] = 255; }
      ctx.putImageData(img, 0, 0);
    });
    pending = undefined;
  }

  root.NumpyMlpPad = { prepareDigit, forward, loadModel, createPad, mountPage, renderWidget, SIZE, PEN };
})(typeof window !== "undefined" ? window : globalThis);
