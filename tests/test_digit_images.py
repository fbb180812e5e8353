"""`read_digit` against unusual and hostile image files: nothing read silently wrong, and bounded work.
Fast: the whole module runs in a few seconds."""
import struct, time, tracemalloc, zlib

import numpy as np
import pytest

from numpy_mlp.digits import MAX_IMAGE_PIXELS, read_digit

# ---- images: family 3 (no silent wrong answers) and 5 (bounded work) --------------------------------------

from PIL import Image

@pytest.fixture(scope='module')
def digit():
    from numpy_mlp.data import load_mnist
    (_, _), (Xt, _) = load_mnist()
    return Xt[0]

def ink_of(digit): return (np.kron(digit.reshape(28, 28), np.ones((5, 5))) * 255).astype(np.uint8)

def close(back, digit): return np.abs(back - digit).mean() < 0.05

@pytest.mark.parametrize('colour', [0, 255, 128])
def test_digit_in_the_alpha_channel_is_read(tmp_path, digit, colour):
    ink = ink_of(digit)
    rgba = np.full(ink.shape + (4,), colour, np.uint8); rgba[..., 3] = ink
    Image.fromarray(rgba, 'RGBA').save(tmp_path/'a.png')
    assert close(read_digit(tmp_path/'a.png'), digit)      # before: "the image is blank: no digit found"

def test_digit_in_the_alpha_channel_of_la_and_palette_images(tmp_path, digit):
    ink = ink_of(digit)
    Image.fromarray(np.stack([np.zeros_like(ink), ink], -1), 'LA').save(tmp_path/'la.png')
    assert close(read_digit(tmp_path/'la.png'), digit)
    palette = Image.fromarray(ink // 16, 'L').convert('P'); palette.putpalette([0, 0, 0] * 16)   # all black,
    palette.save(tmp_path/'p.png', transparency=bytes(17 * i for i in range(16)))        # 16 levels of alpha
    assert close(read_digit(tmp_path/'p.png'), digit)

def test_ordinary_transparent_png_still_composited(tmp_path, digit):
    ink = ink_of(digit)                                    # white background made transparent, black ink opaque
    rgba = np.stack([255 - ink] * 3 + [np.where(ink > 0, 255, 0).astype(np.uint8)], -1)
    Image.fromarray(rgba, 'RGBA').save(tmp_path/'t.png')
    assert close(read_digit(tmp_path/'t.png'), digit)

@pytest.mark.parametrize('scale', [257, 40])
def test_16_bit_grey_png_scaled_by_its_depth(tmp_path, digit, scale):
    Image.fromarray(ink_of(digit).astype(np.uint16) * scale).save(tmp_path/'d.png')
    with Image.open(tmp_path/'d.png') as im: assert im.mode in ('I;16', 'I')
    assert close(read_digit(tmp_path/'d.png'), digit)    # scale 40: values up to 10200 of 65535, faint but read

def test_16_bit_png_using_8_bit_values_is_not_stretched(tmp_path, digit):
    Image.fromarray(ink_of(digit).astype(np.uint16)).save(tmp_path/'d.png')    # at most 255 of 65535: 0.4 %
    with pytest.raises(ValueError, match='the image is blank'): read_digit(tmp_path/'d.png')

def test_32_bit_float_image(tmp_path, digit):
    Image.fromarray(ink_of(digit).astype(np.float32) / 255).save(tmp_path/'f.tif')
    assert close(read_digit(tmp_path/'f.tif'), digit)

@pytest.mark.parametrize('orientation, turn', [(1, 0), (3, 2), (6, 1), (8, -1)])
def test_exif_orientation_applied_first(tmp_path, digit, orientation, turn):
    exif = Image.Exif(); exif[0x0112] = orientation
    for ext in ('png', 'jpg'):
        Image.fromarray(np.rot90(ink_of(digit), turn)).save(tmp_path/f'p.{ext}', exif=exif, **({'quality': 95} if ext == 'jpg' else {}))
        assert close(read_digit(tmp_path/f'p.{ext}'), digit), (orientation, ext)

def png_header_only(path, w, h):
    "A PNG that declares w x h grey pixels in a few dozen bytes (its pixel data never comes)."
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                     + chunk(b'IDAT', zlib.compress(b'\0' * 100)) + chunk(b'IEND', b''))
    return path

@pytest.mark.parametrize('w, h', [(13000, 13000), (5001, 5000), (25_000_001, 1), (50_000, 50_000)])
def test_huge_image_refused_from_its_header(tmp_path, w, h):
    f = png_header_only(tmp_path/'big.png', w, h)
    tracemalloc.start(); t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r'big.png: refused, the image is too large to read safely'
                                         r'.*at most 25,000,000 pixels'):
        read_digit(f)
    secs = time.perf_counter() - t0; peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    assert secs < 0.1 and peak < 1_000_000, (secs, peak)
    assert w * h > MAX_IMAGE_PIXELS

def test_pillows_own_bomb_limit_gives_the_same_message(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', 1000)
    for side in (40, 50):                                  # PIL warns at 1000 pixels and refuses at 2000
        Image.fromarray(np.full((side, side), 255, np.uint8)).save(tmp_path/'b.png')
        with pytest.raises(ValueError, match=r'refused, the image is too large to read safely \(Image size'):
            read_digit(tmp_path/'b.png')

def test_a_large_but_allowed_image_is_read(tmp_path, digit):
    big = np.kron(255 - ink_of(digit), np.ones((8, 8), np.uint8))   # 1120 x 1120, dark ink on white
    Image.fromarray(big).save(tmp_path/'big.png')
    assert close(read_digit(tmp_path/'big.png'), digit)
