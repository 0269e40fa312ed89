"""The web server of ``somcolor serve`` (somcolor/web.py), over real HTTP.

Each test talks to a uvicorn server on 127.0.0.1 (the ``web_server``
fixture) as the page or a stray client would: results are compared with
``model.predict`` in Python, bad requests must get a 4xx answer with a
one-line message and no traceback, and the server must keep serving. The
page itself, in a real browser, is tested in ``test_web_browser.py``.
"""

import copy
import io
import json
import os
import signal
import socket
import subprocess
import sys
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import skimage.io
from PIL import Image
from skimage import data as skdata
from skimage.color import gray2rgb

pytest.importorskip("starlette", reason="the web page needs '.[web]'")
pytest.importorskip("uvicorn", reason="the web page needs '.[web]'")
requests = pytest.importorskip("requests", reason="these tests post with requests")

import somcolor  # noqa: E402
from somcolor import _web_jobs as jobs  # noqa: E402
from somcolor import web  # noqa: E402
from somcolor._files import as_grey, read_image, to_uint8  # noqa: E402
from somcolor.metrics import mean_ciede2000  # noqa: E402

# -- helpers ----------------------------------------------------------------


def _png_bytes(image):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _decode(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def _expected(model, path, **options):
    """What the page must show: the CLI's reading, predict, the CLI's uint8."""
    model = copy.deepcopy(model)
    model.set_params(**options)
    return to_uint8(model.predict([as_grey(read_image(path))])[0])


def _post(url, name, payload, model="small.skops", **fields):
    return requests.post(
        f"{url}/api/colorize",
        files={"file": (name, payload)},
        data={"model": model, **fields},
        timeout=120,
    )


def _assert_refused(response, status, *words):
    """A 4xx answer with a one-line JSON message naming ``words``."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    message = response.json()["error"]
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def _png_declaring(width, height):
    """A PNG file whose header declares ``width x height`` pixels."""
    header = bytearray(_png_bytes(np.zeros((1, 1), np.uint8)))
    header[16:20] = width.to_bytes(4, "big")
    header[20:24] = height.to_bytes(4, "big")
    header[29:33] = zlib.crc32(bytes(header[12:29])).to_bytes(4, "big")
    return bytes(header)


def _raw(url, request_bytes):
    """Send raw bytes to the server; return its whole answer as text."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.decode("latin-1")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A colour JPEG, a grey PNG, a 16-bit colour TIFF (files on disk)."""
    folder = tmp_path_factory.mktemp("photos")
    coffee = skdata.coffee()[::4, ::4]
    Image.fromarray(coffee).save(folder / "coffee.jpg", quality=90)
    Image.fromarray(skdata.camera()[::4, ::4]).save(folder / "camera.png")
    deep = (skdata.chelsea()[::4, ::4].astype(np.uint16) * 257) ^ 0x55
    skimage.io.imsave(folder / "chelsea16.tif", deep, check_contrast=False)
    return folder


@pytest.fixture
def served(web_server, small_model_file):
    """Base URL of a server with the small model file, default limits."""
    return web_server(web.load_models([small_model_file]))


@pytest.fixture(scope="module")
def loaded_model(small_model_file):
    return somcolor.load(small_model_file)


# -- colorizing -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["coffee.jpg", "camera.png", "chelsea16.tif"])
def test_result_has_the_pixels_of_predict(served, photos, loaded_model, name):
    path = photos / name
    response = _post(served, name, path.read_bytes())
    assert response.status_code == 200, response.text
    answer = response.json()
    colorized = requests.get(served + answer["images"]["colorized"], timeout=60)
    assert colorized.headers["content-type"] == "image/png"
    expected = _expected(loaded_model, path)
    np.testing.assert_array_equal(_decode(colorized.content), expected)
    grey = _decode(requests.get(served + answer["images"]["grey"], timeout=60).content)
    levels = as_grey(read_image(path))
    if levels.dtype != np.uint8:
        levels = to_uint8(levels)
    np.testing.assert_array_equal(grey, levels)
    assert (answer["height"], answer["width"]) == expected.shape[:2]
    assert answer["name"] == name
    assert answer["download_name"] == Path(name).stem + "-colorized.png"


def test_colour_input_shows_original_and_its_ciede2000(served, photos, loaded_model):
    path = photos / "coffee.jpg"
    answer = _post(served, "coffee.jpg", path.read_bytes()).json()
    rgb = read_image(path)
    assert answer["colour_input"] is True
    original = requests.get(served + answer["images"]["original"], timeout=60)
    np.testing.assert_array_equal(_decode(original.content), rgb)
    # The CIEDE2000 of the colorization is what ColorizerPipeline.score says.
    assert answer["ciede2000"] == pytest.approx(-loaded_model.score([rgb]), rel=1e-9)
    grey = as_grey(rgb)
    assert answer["grey_ciede2000"] == pytest.approx(
        mean_ciede2000([rgb], [gray2rgb(grey)]), rel=1e-9
    )


def test_grey_input_has_no_original(served, photos):
    answer = _post(served, "camera.png", (photos / "camera.png").read_bytes()).json()
    assert answer["colour_input"] is False
    assert answer["ciede2000"] is None
    assert "original" not in answer["images"]
    missing = requests.get(
        served + answer["images"]["grey"].replace("grey", "original"), timeout=60
    )
    _assert_refused(missing, 404, "grey input")


def test_decoding_options_change_the_result_as_set_params_does(
    served, photos, loaded_model
):
    path = photos / "coffee.jpg"
    soft = _post(served, "c.jpg", path.read_bytes(), decoding="soft", temperature="0.2")
    answer = soft.json()
    assert answer["options"] == {"decoding": "soft", "temperature": 0.2}
    got = _decode(
        requests.get(served + answer["images"]["colorized"], timeout=60).content
    )
    expected = _expected(loaded_model, path, decoding="soft", temperature=0.2)
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(expected, _expected(loaded_model, path))
    # The served model itself is left as it was fitted.
    plain = _post(served, "c.jpg", path.read_bytes()).json()
    assert plain["options"]["decoding"] == "argmax"


def test_download_and_zip(served, photos, loaded_model):
    ids = []
    for name in ("coffee.jpg", "camera.png", "coffee.jpg"):
        ids.append(_post(served, name, (photos / name).read_bytes()).json()["id"])
    one = requests.get(
        f"{served}/api/results/{ids[1]}/colorized.png?download=1", timeout=60
    )
    assert one.headers["content-disposition"].startswith("attachment;")
    assert "camera-colorized.png" in one.headers["content-disposition"]
    packed = requests.get(
        f"{served}/api/results.zip", params=[("id", k) for k in ids], timeout=60
    )
    assert packed.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
        names = archive.namelist()
        assert names == [
            "coffee-colorized.png",
            "camera-colorized.png",
            "coffee-2-colorized.png",
        ]
        np.testing.assert_array_equal(
            _decode(archive.read("camera-colorized.png")),
            _expected(loaded_model, photos / "camera.png"),
        )


def test_page_and_its_files_come_from_the_package(served):
    page = requests.get(served + "/", timeout=60)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page.text
        assert requests.get(served + asset, timeout=60).status_code == 200
    # No address outside this server anywhere in the page's files.
    for asset in ("/", "/static/app.js", "/static/style.css"):
        text = requests.get(served + asset, timeout=60).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    config = requests.get(served + "/api/config", timeout=60).json()
    shipped = list(web.shipped_models())
    assert [m["name"] for m in config["models"]] == ["small.skops", *shipped]
    assert config["models"][0]["options"] == {"decoding": "argmax", "temperature": 0.38}
    assert config["limits"] == {
        "max_upload_bytes": 50 * 2**20,
        "max_pixels": 25_000_000,
        "max_files": 20,
        "max_waiting": 8,
        "result_bytes": 512 * 2**20,
    }


# -- bad input: a clear message, and the server keeps serving ---------------------


def test_bad_files_get_a_message_and_the_server_goes_on(served, photos):
    good = (photos / "camera.png").read_bytes()
    cases = {
        "notes.jpg": (
            b"just some text, not a picture\n" * 10,
            400,
            "not in any of the formats somcolor reads (JPEG, PNG",
        ),
        "half.png": (good[: len(good) // 2], 400, "a PNG image cut short"),
        "empty.png": (b"", 400, "empty"),
        "bomb.png": (_png_declaring(100_000, 100_000), 400, "decompression bomb"),
        "big.png": (_png_declaring(6000, 5000), 413, "30,000,000 pixels"),
    }
    for name, (payload, status, words) in cases.items():
        message = _assert_refused(_post(served, name, payload), status, name, words)
        assert "somcolor-serve-" not in message  # no temporary path
    assert _post(served, "camera.png", good).status_code == 200


@pytest.mark.slow  # 24 megapixels
def test_a_24_megapixel_photograph_is_colorized(served):
    grey = np.tile(np.linspace(0, 255, 6000).astype(np.uint8), (4000, 1))
    grey[::7] = 40  # some texture
    response = _post(served, "big.png", _png_bytes(grey))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["height"], answer["width"]) == (4000, 6000)
    png = requests.get(served + answer["images"]["colorized"], timeout=120).content
    assert _decode(png).shape == (4000, 6000, 3)


def test_pixel_limit_is_configurable(web_server, small_model_file, photos):
    url = web_server(
        web.load_models([small_model_file]), web.ServeLimits(max_pixels=10_000)
    )
    payload = (photos / "camera.png").read_bytes()  # 128 x 128
    _assert_refused(_post(url, "camera.png", payload), 413, "16,384 pixels", "10,000")


def test_wrong_content_type_and_missing_fields(served, photos):
    as_json = requests.post(
        f"{served}/api/colorize", json={"file": "camera.png"}, timeout=60
    )
    _assert_refused(as_json, 415, "multipart/form-data")
    no_file = requests.post(
        f"{served}/api/colorize", files={"model": (None, "small.skops")}, timeout=60
    )
    _assert_refused(no_file, 400, "no photograph")
    two = requests.post(
        f"{served}/api/colorize",
        files=[("file", ("a.png", b"1")), ("file", ("b.png", b"2"))],
        timeout=60,
    )
    _assert_refused(two, 400, "bad upload")
    payload = (photos / "camera.png").read_bytes()
    for fields, words in [
        ({"decoding": "magic"}, "decoding"),
        ({"temperature": "-1"}, "temperature"),
        ({"temperature": "nan"}, "temperature"),
        ({"temperature": "1e9"}, "temperature"),
    ]:
        _assert_refused(_post(served, "camera.png", payload, **fields), 400, words)
    _assert_refused(requests.get(f"{served}/api/colorize", timeout=60), 405)


def test_only_models_named_at_start_up(served, photos, small_model_file):
    payload = (photos / "camera.png").read_bytes()
    for name in (
        "other",
        "../small.skops",
        "../../../etc/passwd",
        str(small_model_file),
        str(small_model_file.with_suffix(".pkl")),
    ):
        _assert_refused(
            _post(served, "camera.png", payload, model=name), 400, "unknown"
        )


def test_path_like_names_go_nowhere(served, photos):
    payload = (photos / "camera.png").read_bytes()
    answer = _post(served, "../../etc/evil.png", payload).json()
    assert answer["name"] == "evil.png"
    assert answer["download_name"] == "evil-colorized.png"
    answer = _post(served, "..\\..\\windows\\evil.png", payload).json()
    assert answer["name"] == "evil.png"
    for path in (
        "/static/../somcolor/web.py",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/api/results/..%2f..%2fetc/passwd.png",
        "/api/results/" + "0" * 32 + "/colorized.png",
        f"/api/results/{answer['id']}/..%2fweb.png",
        "/api/results.zip?id=../../etc/passwd",
    ):
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
        text = _raw(served, (request + "\r\n\r\n").encode())
        status = int(text.split()[1])
        assert 400 <= status < 500, (path, text[:200])
        assert "Traceback" not in text


def test_oversized_bodies_are_refused(web_server, small_model_file):
    limits = web.ServeLimits(max_upload_bytes=1000)
    url = web_server(web.load_models([small_model_file]), limits)
    declared = _raw(
        url,
        b"POST /api/colorize HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        b"Content-Length: 1000000000\r\nConnection: close\r\n\r\n",
    )
    assert declared.startswith("HTTP/1.1 413"), declared[:200]
    assert "--max-upload-mb" in declared and "Traceback" not in declared
    body = b"A" * 1500
    chunked = _raw(
        url,
        b"POST /api/colorize HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n",
    )
    assert chunked.startswith("HTTP/1.1 413"), chunked[:200]
    assert "Traceback" not in chunked
    assert requests.get(url + "/api/config", timeout=60).status_code == 200


def test_other_hosts_and_sites_are_refused(served, photos):
    rebound = requests.get(served + "/", headers={"Host": "evil.example"}, timeout=60)
    _assert_refused(rebound, 400, "addressed to this machine")
    payload = (photos / "camera.png").read_bytes()
    cross = requests.post(
        f"{served}/api/colorize",
        files={"file": ("camera.png", payload)},
        data={"model": "small.skops"},
        headers={"Origin": "http://evil.example"},
        timeout=60,
    )
    _assert_refused(cross, 403, "other web sites")
    same = requests.post(
        f"{served}/api/colorize",
        files={"file": ("camera.png", payload)},
        data={"model": "small.skops"},
        headers={"Origin": served},
        timeout=60,
    )
    assert same.status_code == 200


def test_concurrent_uploads_all_complete(served, photos, loaded_model):
    names = ["coffee.jpg", "camera.png", "chelsea16.tif"] * 2
    with ThreadPoolExecutor(len(names)) as pool:
        answers = list(
            pool.map(lambda n: _post(served, n, (photos / n).read_bytes()), names)
        )
    assert [a.status_code for a in answers] == [200] * len(names)
    for name, answer in zip(names, answers):
        url = served + answer.json()["images"]["colorized"]
        np.testing.assert_array_equal(
            _decode(requests.get(url, timeout=60).content),
            _expected(loaded_model, photos / name),
        )


class _HeldModel(somcolor.ColorizerPipeline):
    """A fitted pipeline whose ``predict`` of a large photograph waits until
    the test lets it go (``entered`` says it is waiting)."""

    entered = None
    release = None

    def predict(self, grey_images):
        if grey_images[0].size > 4_000_000:
            self.entered.set()
            assert self.release.wait(600)
        return super().predict(grey_images)


def test_a_small_photograph_does_not_wait_behind_a_large_one(
    web_server, small_model, photos
):
    import threading

    held = copy.copy(small_model)
    held.__class__ = _HeldModel
    held.entered, held.release = threading.Event(), threading.Event()
    url = web_server({"held": held})
    large = np.random.default_rng(0).integers(0, 256, (2100, 2000), dtype=np.uint8)
    payload = _png_bytes(large)  # 4.2 megapixels: the large lane
    with ThreadPoolExecutor(1) as pool:
        try:
            first = pool.submit(_post, url, "large.png", payload, model="held")
            assert held.entered.wait(600)  # the large one is being colorized
            small = _post(
                url, "camera.png", (photos / "camera.png").read_bytes(), "held"
            )
            assert small.status_code == 200, small.text
            assert not first.done()  # still held: the small one went beside it
        finally:
            held.release.set()
        assert first.result().status_code == 200


def test_the_page_has_an_icon(served):
    response = requests.get(served + "/favicon.ico", timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO" and {(16, 16), (32, 32)} <= icon.info["sizes"]
    assert icon.size == (48, 48)  # the largest, drawn as is: a 3x3 palette
    assert len(icon.convert("RGB").getcolors()) == 9
    assert 'rel="icon" href="/favicon.ico"' in requests.get(served, timeout=60).text


def test_a_full_queue_answers_429(web_server, small_model_file, photos):
    url = web_server(
        web.load_models([small_model_file]), web.ServeLimits(max_waiting=1)
    )
    parts = urlsplit(url)
    # An upload whose body never ends holds the only place in the queue.
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as held:
        held.sendall(
            b"POST /api/colorize HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 500\r\n\r\n--x\r\n"
        )
        payload = (photos / "camera.png").read_bytes()
        statuses = set()
        for _ in range(200):  # until the held upload is counted
            response = _post(url, "camera.png", payload)
            statuses.add(response.status_code)
            if response.status_code == 429:
                _assert_refused(response, 429, "busy")
                break
        assert 429 in statuses
    # Once it is gone, uploads go through again.
    for _ in range(200):
        if (response := _post(url, "camera.png", payload)).status_code == 200:
            break
    assert response.status_code == 200


def test_old_results_are_dropped_beyond_the_memory_budget(
    web_server, small_model_file, photos
):
    url = web_server(
        web.load_models([small_model_file]), web.ServeLimits(result_bytes=100_000)
    )
    payload = (photos / "coffee.jpg").read_bytes()
    first = _post(url, "coffee.jpg", payload).json()
    sizes = sum(
        len(requests.get(url + u, timeout=60).content) for u in first["images"].values()
    )
    assert sizes < 100_000 < 2 * sizes  # one result fits, two do not
    second = _post(url, "coffee.jpg", payload).json()
    gone = requests.get(url + first["images"]["colorized"], timeout=60)
    _assert_refused(gone, 404, "colorize the photograph again")
    kept = requests.get(url + second["images"]["colorized"], timeout=60)
    assert kept.status_code == 200
    _assert_refused(
        requests.get(
            f"{url}/api/results.zip",
            params=[("id", first["id"]), ("id", second["id"])],
            timeout=60,
        ),
        404,
        "no longer kept",
    )


def test_nothing_is_left_on_disk(served, photos, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    big = np.random.default_rng(0).integers(0, 256, (1100, 1100), dtype=np.uint8)
    payload = _png_bytes(big)  # over 1 MB: the upload spills to a file
    assert len(payload) > 2**20
    assert _post(served, "noise.png", payload).status_code == 200
    assert _post(served, "notes.jpg", b"no picture").status_code == 400
    assert list(tmp_path.iterdir()) == []


# -- models -----------------------------------------------------------------------


def test_load_models_names_and_order(small_model_file, small_model, tmp_path):
    other = tmp_path / "sub" / "small.skops"
    other.parent.mkdir()
    somcolor.save(small_model, other)
    models = web.load_models([small_model_file, other], shipped={})
    assert list(models) == ["small.skops", "small.skops (2)"]
    with_shipped = web.load_models([small_model_file, other])
    assert list(with_shipped) == list(models) + list(web.shipped_models())
    assert all(m.verbose == 0 for m in models.values())
    shipped = {"photos": lambda: small_model, "landscapes": lambda: small_model}
    models = web.load_models([small_model_file, "landscapes"], shipped=shipped)
    assert list(models) == ["small.skops", "landscapes", "photos"]
    assert list(web.load_models([], shipped=shipped)) == ["photos", "landscapes"]
    assert models["photos"] is not small_model  # a copy: verbose set on it only


def test_a_file_named_like_a_shipped_model_is_read_as_a_file(
    small_model_file, small_model, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photos").write_bytes(small_model_file.read_bytes())

    def shipped_photos():
        raise AssertionError("the shipped model was loaded instead of the file")

    models = web.load_models(["photos"], shipped={"photos": shipped_photos})
    assert list(models) == ["photos"]
    np.testing.assert_array_equal(models["photos"].codebook_, small_model.codebook_)


def test_load_models_refusals(tmp_path, small_model):
    with pytest.raises(ValueError, match="no model to serve.*--model"):
        web.load_models([], shipped={})
    with pytest.raises(ValueError, match="'nothing': no such model file"):
        web.load_models(["nothing"], shipped={"photos": lambda: small_model})
    with pytest.raises(ValueError, match="shipped models: photos"):
        web.load_models(["nothing"], shipped={"photos": lambda: small_model})
    with pytest.raises(ValueError, match=r"\(shipped models: photos\); did you mean"):
        web.load_models(["photo"], shipped={"photos": lambda: small_model})
    with pytest.raises(ValueError, match=r"ships with this version of somcolor\)\.$"):
        web.load_models(["photo"], shipped={})
    with pytest.raises(ValueError, match="missing.skops"):
        web.load_models([tmp_path / "missing.skops"])
    picture = tmp_path / "picture.skops"
    picture.write_bytes(_png_bytes(np.zeros((2, 2), np.uint8)))
    with pytest.raises(ValueError, match="picture.skops"):
        web.load_models([picture])
    quantizer = tmp_path / "quantizer.skops"
    somcolor.save(small_model.quantizer_, quantizer)
    with pytest.raises(ValueError, match="a SOMQuantizer, not a ColorizerPipeline"):
        web.load_models([quantizer])
    import pickle

    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(small_model))
    with pytest.raises(ValueError, match="model.pkl"):
        web.load_models([pickled])


def test_limits_are_checked():
    with pytest.raises(ValueError, match="max_files must be a positive integer"):
        web.ServeLimits(max_files=0)
    with pytest.raises(ValueError, match="max_upload_bytes"):
        web.ServeLimits(max_upload_bytes=1.5)
    with pytest.raises(TypeError, match="limits must be a ServeLimits"):
        web.create_app({"m": object()}, {"max_files": 1})
    with pytest.raises(ValueError, match="at least one"):
        web.create_app({})


def test_display_names_are_plain_file_names():
    assert jobs.display_name("../../etc/passwd") == "passwd"
    assert jobs.display_name("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert jobs.display_name("x\x00y\n\u202e.png") == "xy.png"
    assert jobs.display_name("..") == "photograph"
    assert jobs.display_name(None) == "photograph"
    assert jobs.display_name("a" * 300 + ".jpg") == "a" * 116 + ".jpg"
    assert jobs.display_name("a" * 300) == "a" * 120
    assert jobs.download_name("photo.tar.jpg") == "photo.tar-colorized.png"


def test_grey_is_scored_as_rgb():
    rgb = skdata.astronaut()[::2, ::2]
    guess = skdata.coffee()[: rgb.shape[0], : rgb.shape[1]]
    assert jobs.mean_ciede2000(rgb, guess) == pytest.approx(
        mean_ciede2000([rgb], [guess]), rel=1e-12
    )
    grey = as_grey(rgb)
    assert jobs.mean_ciede2000(rgb, grey) == pytest.approx(
        mean_ciede2000([rgb], [gray2rgb(grey)]), rel=1e-12
    )


# -- the command ----------------------------------------------------------------------


def _somcolor(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "somcolor", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


@pytest.mark.slow  # starts somcolor serve in a new process
def test_serve_without_a_model_file():
    shipped = list(web.shipped_models())
    if shipped:  # the shipped models are served
        process, first = _start_serving(["--port", "0"], dict(os.environ))
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
        assert first.startswith(f"somcolor: serving {len(shipped)} model(s) (")
        assert all(name in first for name in shipped)
    else:  # nothing to serve: say so in one line
        result = _somcolor("serve")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "somcolor: error: no model to serve: name a fitted model file with "
            "--model FILE.skops (written by 'somcolor fit' or somcolor.save); no "
            "model ships with this version of somcolor."
        ]


@pytest.mark.slow  # starts somcolor serve in a new process
def test_serve_refuses_an_unknown_model_in_one_line():
    missing = _somcolor("serve", "--model", "missing.skops")
    assert missing.returncode == 1
    assert missing.stderr.startswith("somcolor: error: --model 'missing.skops'")
    assert len(missing.stderr.strip().splitlines()) == 1
    unknown = _somcolor("serve", "--model", "nothing-like-this")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith(
        "somcolor: error: --model 'nothing-like-this': no such model file, and "
        "not the name of a shipped model ("
    )
    assert "Traceback" not in missing.stderr + unknown.stderr


def test_the_command_line_imports_no_web_framework():
    code = (
        "import sys; from somcolor.cli import main; "
        "main(['--help']); main(['serve', '--help']); "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'multipart', "
        "'python_multipart', 'somcolor.web') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_serve_without_the_web_extra_says_what_to_install():
    code = (
        "import sys; sys.modules['starlette'] = None; "
        "from somcolor.cli import main; sys.exit(main(['serve']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        'somcolor: error: serve needs the web extra: pip install "somcolor[web]"'
    )
    assert len(result.stderr.strip().splitlines()) == 1


def _start_serving(args, env):
    process = subprocess.Popen(
        [sys.executable, "-m", "somcolor", "serve", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    first = process.stdout.readline()
    return process, first


@pytest.mark.slow  # starts somcolor serve in a new process
def test_serve_runs_until_interrupted_and_leaves_no_file(
    small_model_file, photos, tmp_path
):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    process, first = _start_serving(["--model", small_model_file, "--port", "0"], env)
    try:
        names = ", ".join(["small.skops", *web.shipped_models()])
        count = 1 + len(web.shipped_models())
        assert first.startswith(f"somcolor: serving {count} model(s) ({names}) at "), (
            first
        )
        url = first.split(" at ")[1].strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:")
        assert "Ctrl+C" in process.stdout.readline()
        assert "50 MB and 25 megapixels" in process.stdout.readline()
        big = np.random.default_rng(1).integers(0, 256, (1100, 1100), dtype=np.uint8)
        answer = _post(url, "noise.png", _png_bytes(big))
        assert answer.status_code == 200, answer.text
        assert _post(url, "bad.png", b"no picture").status_code == 400
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert list(temporary.iterdir()) == []


@pytest.mark.slow  # starts somcolor serve in a new process
def test_serve_beyond_loopback_warns(small_model_file):
    process, first = _start_serving(
        ["--model", small_model_file, "--host", "0.0.0.0", "--port", "0"],
        dict(os.environ),
    )
    try:
        assert first.startswith("somcolor: serving"), first
        url = first.split(" at ")[1].strip().rstrip("/")
        process.stdout.readline()
        warning = process.stdout.readline()
        assert warning.startswith("warning: listening on 0.0.0.0")
        assert "no password and no encryption" in warning
        # Not limited to requests addressed to this machine's loopback name.
        page = requests.get(url + "/", headers={"Host": "somewhere"}, timeout=60)
        assert page.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
    assert process.returncode == 0


@pytest.mark.slow  # starts somcolor serve in a new process
def test_serve_on_a_port_in_use_says_so(small_model_file):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _somcolor("serve", "--model", small_model_file, "--port", port)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"somcolor: error: cannot listen on 127.0.0.1 port {port}"
    )
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_lists_json_serialisable_options(served):
    text = requests.get(served + "/api/config", timeout=60).text
    assert json.loads(text)["version"] == somcolor.__version__


# -- reference photographs ------------------------------------------------------


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """A colour reference, a grey one, a tiny one and a text file."""
    folder = tmp_path_factory.mktemp("references")
    left, _, _ = skdata.stereo_motorcycle()
    Image.fromarray(left[::4, ::4]).save(folder / "motorcycle.png")
    Image.fromarray(skdata.camera()[::4, ::4]).save(folder / "camera.png")
    Image.fromarray(left[:10, :10]).save(folder / "tiny.png")
    (folder / "notes.jpg").write_text("a shopping list, not a photograph\n")
    return folder


def _fit(url, *paths):
    return requests.post(
        f"{url}/api/references",
        files=[("file", (path.name, path.read_bytes())) for path in paths],
        timeout=120,
    )


def test_fit_a_reference_colour_with_it_and_download_the_model(
    served, references, photos, tmp_path
):
    fitted = _fit(served, references / "motorcycle.png")
    assert fitted.status_code == 200, fitted.text
    answer = fitted.json()
    assert answer["name"] == "like: motorcycle.png"
    assert answer["references"] == ["motorcycle.png"]
    assert answer["download_name"] == "like-motorcycle.skops"
    path = photos / "camera.png"
    colorized = _post(served, "camera.png", path.read_bytes(), model=answer["name"])
    assert colorized.status_code == 200, colorized.text
    result = colorized.json()
    assert result["model"] == "like: motorcycle.png"
    got = _decode(
        requests.get(served + result["images"]["colorized"], timeout=60).content
    )
    download = requests.get(served + answer["download"], timeout=60)
    assert download.status_code == 200
    assert "like-motorcycle.skops" in download.headers["content-disposition"]
    model_file = tmp_path / "like-motorcycle.skops"
    model_file.write_bytes(download.content)
    loaded = somcolor.load(model_file)
    np.testing.assert_array_equal(got, _expected(loaded, path))
    # The same fit as in Python, seeded.
    same = somcolor.fit_reference(
        [read_image(references / "motorcycle.png")], random_state=jobs.FIT_SEED
    )
    np.testing.assert_array_equal(got, _expected(same, path))
    # A second fit on the same file gets a name of its own.
    again = _fit(served, references / "motorcycle.png").json()
    assert again["name"] == "like: motorcycle.png (2)"


def test_bad_references_get_the_librarys_message(served, references):
    grey = _assert_refused(_fit(served, references / "camera.png"), 400, "camera.png")
    assert grey.startswith("camera.png is a grey image")
    assert "a reference must be a colour photograph" in grey
    tiny = _assert_refused(_fit(served, references / "tiny.png"), 400, "tiny.png")
    assert tiny.startswith("tiny.png is too small (10x10 pixels)")
    notes = _assert_refused(_fit(served, references / "notes.jpg"), 400)
    assert notes.startswith("notes.jpg: not an image somcolor can read")
    two = _fit(served, references / "motorcycle.png", references / "camera.png")
    assert _assert_refused(two, 400).startswith("camera.png is a grey image")
    empty = requests.post(
        f"{served}/api/references", files={"other": (None, "1")}, timeout=60
    )
    _assert_refused(empty, 400, "no reference photograph")


def test_fitted_models_are_kept_within_their_cap(
    web_server, small_model_file, references, photos, monkeypatch
):
    monkeypatch.setattr(jobs, "FITTED_MODELS", 1)
    url = web_server(web.load_models([small_model_file]))
    first = _fit(url, references / "motorcycle.png").json()
    second = _fit(url, references / "motorcycle.png").json()
    assert requests.get(url + second["download"], timeout=60).status_code == 200
    gone = requests.get(url + first["download"], timeout=60)
    _assert_refused(gone, 404, "no longer kept", "drop the reference again")
    payload = (photos / "camera.png").read_bytes()
    refused = _post(url, "camera.png", payload, model=first["name"])
    _assert_refused(refused, 400, "unknown model", "drop the reference again")
    assert _post(url, "camera.png", payload, model=second["name"]).status_code == 200


def test_references_together_within_the_pixel_limit(
    web_server, small_model_file, references
):
    limits = web.ServeLimits(max_pixels=40_000)  # one reference has 23,250
    url = web_server(web.load_models([small_model_file]), limits)
    path = references / "motorcycle.png"
    refused = _fit(url, path, path)
    _assert_refused(refused, 413, "46,500 pixels together", "--max-megapixels")
    assert _fit(url, path).status_code == 200


def test_fitting_and_hints_leave_nothing_on_disk(
    served, references, tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert _fit(served, references / "motorcycle.png").status_code == 200
    assert _fit(served, references / "camera.png").status_code == 400
    first = _post(served, "camera.png", (references / "camera.png").read_bytes())
    layer = _png_bytes(_layer((128, 128), [(9, 9, (200, 20, 20))]))
    assert _hint(served, first.json()["id"], layer).status_code == 200
    assert _hint(served, first.json()["id"], b"no picture").status_code == 400
    assert list(tmp_path.iterdir()) == []


# -- hints --------------------------------------------------------------------------


def _layer(shape, marks):
    """An RGBA hints layer of ``shape`` with discs ``(row, col, rgb)``."""
    layer = np.zeros(shape + (4,), np.uint8)
    rows, cols = np.indices(shape)
    for row, col, rgb in marks:
        disc = (rows - row) ** 2 + (cols - col) ** 2 <= 9
        layer[disc] = (*rgb, 255)
    return layer


def _hint(url, key, payload, name="hints.png"):
    return requests.post(
        f"{url}/api/results/{key}/hints",
        files={"hints": (name, payload)},
        timeout=120,
    )


@pytest.mark.parametrize("name", ["coffee.jpg", "camera.png"])
def test_hints_recolour_as_predict_with_hints(served, photos, loaded_model, name):
    from somcolor.steering import hints_from_rgba

    path = photos / name
    first = _post(served, name, path.read_bytes()).json()
    grey = as_grey(read_image(path))
    layer = _layer(grey.shape, [(20, 30, (220, 30, 20)), (60, 90, (20, 160, 40))])
    response = _hint(served, first["id"], _png_bytes(layer))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["hints"] is True and answer["hinted_pixels"] == 2 * 29
    assert answer["name"] == name and answer["model"] == first["model"]
    got = _decode(
        requests.get(served + answer["images"]["colorized"], timeout=60).content
    )
    expected = to_uint8(loaded_model.predict([grey], hints=[hints_from_rgba(layer)])[0])
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(got, _expected(loaded_model, path))
    # The grey (and original) pictures are the first result's.
    for kind in first["images"]:
        if kind != "colorized":
            again = requests.get(served + answer["images"][kind], timeout=60).content
            first_one = requests.get(served + first["images"][kind], timeout=60).content
            assert again == first_one
    hints = requests.get(served + answer["hints_download"], timeout=60)
    assert answer["hints_download_name"] == Path(name).stem + "-hints.png"
    assert "attachment" in hints.headers["content-disposition"]
    np.testing.assert_array_equal(_decode(hints.content), layer)
    # Hints on a hinted result start again from the photograph.
    fewer = _layer(grey.shape, [(20, 30, (220, 30, 20))])
    answer2 = _hint(served, answer["id"], _png_bytes(fewer)).json()
    got2 = _decode(
        requests.get(served + answer2["images"]["colorized"], timeout=60).content
    )
    expected2 = to_uint8(
        loaded_model.predict([grey], hints=[hints_from_rgba(fewer)])[0]
    )
    np.testing.assert_array_equal(got2, expected2)


def test_hints_keep_the_decoding_options(served, photos, loaded_model):
    from somcolor.steering import hints_from_rgba

    path = photos / "camera.png"
    first = _post(
        served, "camera.png", path.read_bytes(), decoding="soft", temperature="0.2"
    ).json()
    grey = as_grey(read_image(path))
    layer = _layer(grey.shape, [(40, 40, (200, 180, 30))])
    answer = _hint(served, first["id"], _png_bytes(layer)).json()
    assert answer["options"] == {"decoding": "soft", "temperature": 0.2}
    model = copy.deepcopy(loaded_model).set_params(decoding="soft", temperature=0.2)
    got = _decode(
        requests.get(served + answer["images"]["colorized"], timeout=60).content
    )
    expected = to_uint8(model.predict([grey], hints=[hints_from_rgba(layer)])[0])
    np.testing.assert_array_equal(got, expected)


def test_bad_hints_get_a_message(served, photos):
    path = photos / "camera.png"
    first = _post(served, "camera.png", path.read_bytes()).json()
    shape = (first["height"], first["width"])
    wrong = _layer((shape[0] + 1, shape[1]), [(5, 5, (255, 0, 0))])
    message = _assert_refused(_hint(served, first["id"], _png_bytes(wrong)), 400)
    assert message.startswith(f"the hints layer: {shape[1]}x{shape[0] + 1} pixels")
    assert f"the photograph's size ({shape[1]}x{shape[0]} pixels)" in message
    rgb = _layer(shape, [(5, 5, (255, 0, 0))])[..., :3]
    message = _assert_refused(_hint(served, first["id"], _png_bytes(rgb)), 400)
    assert "no alpha channel" in message and "RGBA" in message
    _assert_refused(_hint(served, first["id"], b"not a picture"), 400, "not an image")
    _assert_refused(_hint(served, "0" * 32, _png_bytes(rgb)), 404, "no longer kept")
    missing = requests.post(
        f"{served}/api/results/{first['id']}/hints", files={"file": ("x", b"y")}
    )
    _assert_refused(missing, 400, "no hints layer")
