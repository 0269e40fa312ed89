"""The page of ``somcolor serve`` in a real headless browser.

Debian's chromium, driven by selenium through Debian's chromedriver, opens
the page served by uvicorn on 127.0.0.1, uploads photographs as a person
would (the file chooser), waits for the pictures, downloads the results and
compares them with ``model.predict`` in Python. Skipped, with the reason,
where chromium or chromedriver is not installed (``.ci/run`` installs them:
``apt-get install chromium chromium-driver``).

``SOMCOLOR_UPDATE_SCREENSHOT=1`` makes ``test_screenshot_of_the_page`` also
write its picture to ``docs/_static/serve_page.png`` (shown in the docs).
"""

import copy
import io
import os
import shutil
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.slow,  # a browser
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="the browser tests need Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver; .ci/run installs them)",
    ),
]

pytest.importorskip("starlette", reason="the web page needs '.[web]'")
pytest.importorskip("selenium", reason="the browser tests drive chromium with selenium")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

import somcolor  # noqa: E402
from somcolor import web  # noqa: E402
from somcolor._files import as_grey, read_image, to_uint8  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "_static" / "serve_page.png"
WAIT = 300  # seconds at most for anything the page does (a bound, not a check)

# Flags that work on a machine with no network but loopback (and as root).
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1100,900",
]


@pytest.fixture(scope="module")
def photo_model_file(tmp_path_factory):
    """A model fitted on the left view of the bundled motorcycle pair."""
    left, _, _ = skdata.stereo_motorcycle()
    model = somcolor.ColorizerPipeline(pixels_per_image=5000, random_state=0)
    with warnings.catch_warnings():  # one photograph on purpose: said to be little
        warnings.simplefilter("ignore", somcolor.TrainingDataWarning)
        model.fit([left[::2, ::2]])
    path = tmp_path_factory.mktemp("models") / "motorcycle.skops"
    somcolor.save(model, path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Photographs to upload: the held-out right view (colour), a grey one,
    and a text file named like a photograph."""
    folder = tmp_path_factory.mktemp("uploads")
    _, right, _ = skdata.stereo_motorcycle()
    Image.fromarray(right[::2, ::2]).save(folder / "motorcycle.png")
    Image.fromarray(skdata.camera()[::4, ::4]).save(folder / "camera.png")
    (folder / "notes.jpg").write_text("a shopping list, not a photograph\n")
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


@pytest.fixture
def downloads(browser, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(folder)},
    )
    return folder


@pytest.fixture
def open_page(browser, web_server, photo_model_file):
    """``open_page(limits=None)``: a fresh server and its page in the browser."""

    def open_(limits=None):
        url = web_server(web.load_models([photo_model_file]), limits)
        browser.get(url + "/")
        WebDriverWait(browser, WAIT).until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready")
        )
        return url

    return open_


def _upload(browser, *paths):
    browser.find_element(By.ID, "file-input").send_keys("\n".join(map(str, paths)))


def _cards(browser, state=None):
    selector = ".result" if state is None else f'.result[data-state="{state}"]'
    return browser.find_elements(By.CSS_SELECTOR, selector)


def _wait_for(browser, condition):
    # A card's pictures and texts are replaced when it is colorized again: an
    # element read a moment ago may be gone, and the next poll looks again.
    wait = WebDriverWait(
        browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)
    )
    return wait.until(lambda d: condition(d))


def _picture_shown(card, kind):
    images = card.find_elements(By.CSS_SELECTOR, f"figure.{kind} img")
    return bool(images) and images[0].get_property("naturalWidth") > 0


def _colorized(browser, path):
    """Upload ``path``; its result card once its three pictures are shown."""
    _upload(browser, path)
    card = _wait_for(browser, lambda d: (_cards(d, "done") or [None])[0])
    _wait_for(
        browser,
        lambda d: all(
            _picture_shown(card, kind) for kind in ("grey", "colorized", "original")
        ),
    )
    return card


def _downloaded(folder, name):
    """The downloaded file, once the browser has finished writing it."""
    target = folder / name
    deadline = time.monotonic() + WAIT
    while not target.exists() or list(folder.glob("*.crdownload")):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{name} was not downloaded; found {os.listdir(folder)}"
            )
        time.sleep(0.05)
    return target.read_bytes()


def _expected(model_file, path, **options):
    model = copy.deepcopy(somcolor.load(model_file))
    model.set_params(**options)
    return to_uint8(model.predict([as_grey(read_image(path))])[0])


def _decode(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def test_upload_see_and_download_identical_pixels(
    browser, open_page, files, downloads, photo_model_file
):
    open_page()
    card = _colorized(browser, files / "motorcycle.png")
    colorized = card.find_element(By.CSS_SELECTOR, "figure.colorized img")
    assert colorized.get_property("naturalWidth") == 371
    assert colorized.get_property("naturalHeight") == 250
    quality = card.find_element(By.CLASS_NAME, "quality").text
    assert "Difference from the original colours: " in quality
    assert "plain grey would be " in quality and "lower is closer" in quality
    assert "than plain grey" in quality
    card.find_element(By.CSS_SELECTOR, "a.download").click()
    png = _downloaded(downloads, "motorcycle-colorized.png")
    np.testing.assert_array_equal(
        _decode(png), _expected(photo_model_file, files / "motorcycle.png")
    )


def test_a_bad_file_shows_its_message_and_the_next_upload_works(
    browser, open_page, files
):
    open_page()
    _upload(browser, files / "notes.jpg")
    card = _wait_for(browser, lambda d: (_cards(d, "error") or [None])[0])
    message = card.find_element(By.CLASS_NAME, "error").text
    assert message.startswith("notes.jpg: not an image somcolor can read")
    assert "(JPEG, PNG, TIFF, BMP, GIF or WebP)" in message
    _upload(browser, files / "camera.png")
    done = _wait_for(browser, lambda d: (_cards(d, "done") or [None])[0])
    _wait_for(browser, lambda d: _picture_shown(done, "colorized"))
    assert done.find_element(By.TAG_NAME, "h2").text == "camera.png"
    assert "no original" in done.find_element(By.CLASS_NAME, "quality").text
    assert len(_cards(browser, "error")) == 1  # the bad file's message stays


def test_options_recolorize_without_refitting(
    browser, open_page, files, downloads, photo_model_file
):
    open_page()
    _upload(browser, files / "camera.png")
    _wait_for(browser, lambda d: _cards(d, "done"))
    Select(browser.find_element(By.ID, "decoding")).select_by_value("soft")
    slider = browser.find_element(By.ID, "temperature")
    assert slider.is_displayed()
    browser.execute_script(
        "arguments[0].value = '0.2';arguments[0].dispatchEvent(new Event('input'));",
        slider,
    )
    assert browser.find_element(By.ID, "temperature-value").text == "0.20"
    browser.find_element(By.ID, "again").click()
    card = _wait_for(
        browser,
        lambda d: [
            c
            for c in _cards(d, "done")
            if "blended" in c.find_element(By.CLASS_NAME, "quality").text
        ],
    )[0]
    assert "blending 0.20" in card.find_element(By.CLASS_NAME, "quality").text
    card.find_element(By.CSS_SELECTOR, "a.download").click()
    png = _downloaded(downloads, "camera-colorized.png")
    expected = _expected(
        photo_model_file, files / "camera.png", decoding="soft", temperature=0.2
    )
    np.testing.assert_array_equal(_decode(png), expected)
    assert not np.array_equal(
        expected, _expected(photo_model_file, files / "camera.png")
    )


def test_the_options_are_in_plain_words(browser, open_page):
    open_page()
    Select(browser.find_element(By.ID, "decoding")).select_by_value("soft")
    controls = browser.find_element(By.ID, "controls").text.lower()
    for jargon in ("temperature", "decoding", "argmax", "soft"):
        assert jargon not in controls
    for words in ("bolder", "calmer", "blend"):
        assert words in controls


def test_the_models_own_setting_restores_its_own_blending(
    browser, open_page, files, downloads
):
    open_page()  # the shipped models are offered too: photos blends at 0.3
    Select(browser.find_element(By.ID, "model")).select_by_value("photos")
    slider = browser.find_element(By.ID, "temperature")
    value = browser.find_element(By.ID, "temperature-value")
    assert value.text == "0.30" and not slider.is_enabled()
    decoding = Select(browser.find_element(By.ID, "decoding"))
    decoding.select_by_value("soft")
    browser.execute_script(
        "arguments[0].value = '0.1';arguments[0].dispatchEvent(new Event('input'));",
        slider,
    )
    assert value.text == "0.10"
    decoding.select_by_value("")  # back to the model's own setting
    assert value.text == "0.30" and not slider.is_enabled()
    _upload(browser, files / "camera.png")
    card = _wait_for(browser, lambda d: (_cards(d, "done") or [None])[0])
    assert "blending 0.30" in card.find_element(By.CLASS_NAME, "quality").text
    card.find_element(By.CSS_SELECTOR, "a.download").click()
    png = _downloaded(downloads, "camera-colorized.png")
    photos = somcolor.load_pretrained("photos")
    grey = as_grey(read_image(files / "camera.png"))
    np.testing.assert_array_equal(_decode(png), to_uint8(photos.predict([grey])[0]))


def test_cards_are_colorized_in_the_order_shown(browser, open_page, files):
    open_page()
    names = ["camera.png", "motorcycle.png", "notes.jpg", "camera.png"]
    _upload(browser, *(files / name for name in names))
    _wait_for(browser, lambda d: len(_cards(d)) == len(names))
    shown = [c.find_element(By.TAG_NAME, "h2").text for c in _cards(browser)]
    assert shown == names  # top to bottom, as chosen
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        # One script call reads every card at one instant: separate WebDriver
        # calls would see the queue move on between two cards.
        states = browser.execute_script(
            "return Array.from(document.querySelectorAll('.result'),"
            " (card) => card.dataset.state);"
        )
        # Finished cards on top, then at most one being colorized, then waiting.
        finished = [s in ("done", "error") for s in states]
        first_unfinished = finished.index(False) if False in finished else len(states)
        assert all(finished[:first_unfinished])
        assert all(s == "waiting" for s in states[first_unfinished + 1 :])
        if first_unfinished == len(states):
            break
        time.sleep(0.02)  # polling, not a timing check
    assert states == ["done", "done", "error", "done"]


def test_the_page_has_its_icon(browser, open_page):
    open_page()
    icon = browser.find_element(By.CSS_SELECTOR, 'link[rel="icon"]')
    assert icon.get_attribute("href").endswith("/favicon.ico")
    answer = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('/favicon.ico').then(r => done(r.status + ' ' + "
        "r.headers.get('content-type')));"
    )
    assert answer == "200 image/x-icon"


def test_too_many_files_and_download_all(
    browser, open_page, files, downloads, photo_model_file
):
    open_page(web.ServeLimits(max_files=2))
    _upload(
        browser, files / "camera.png", files / "motorcycle.png", files / "notes.jpg"
    )
    message = browser.find_element(By.ID, "message")
    _wait_for(browser, lambda d: message.is_displayed())
    assert "3 photographs chosen" in message.text and "at most 2" in message.text
    _wait_for(browser, lambda d: len(_cards(d, "done")) == 2)
    assert len(_cards(browser)) == 2
    browser.find_element(By.ID, "download-all").click()
    packed = _downloaded(downloads, "somcolor-colorized.zip")
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert sorted(archive.namelist()) == [
            "camera-colorized.png",
            "motorcycle-colorized.png",
        ]
        for name in ("camera", "motorcycle"):
            np.testing.assert_array_equal(
                _decode(archive.read(f"{name}-colorized.png")),
                _expected(photo_model_file, files / f"{name}.png"),
            )


def test_a_file_over_the_size_limit_is_not_sent(browser, open_page, files):
    open_page(web.ServeLimits(max_upload_bytes=50_000))
    assert (files / "motorcycle.png").stat().st_size > 50_000
    _upload(browser, files / "motorcycle.png")
    card = _wait_for(browser, lambda d: (_cards(d, "error") or [None])[0])
    message = card.find_element(By.CLASS_NAME, "error").text
    assert "larger than this server accepts" in message
    assert "--max-upload-mb" in message


# -- reference photographs and colour hints ------------------------------------


@pytest.fixture(scope="module")
def reference_files(tmp_path_factory):
    """A colour reference (the left view of the motorcycle pair) and a grey one."""
    folder = tmp_path_factory.mktemp("references")
    left, _, _ = skdata.stereo_motorcycle()
    Image.fromarray(left[::2, ::2]).save(folder / "motorcycle-left.png")
    Image.fromarray(skdata.camera()[::4, ::4]).save(folder / "grey-reference.png")
    return folder


def _reference_state(browser):
    return browser.find_element(By.ID, "reference").get_attribute("data-state")


def test_drop_a_reference_colour_with_it_and_download_the_model(
    browser, open_page, files, reference_files, downloads
):
    open_page()
    browser.find_element(By.ID, "reference-input").send_keys(
        str(reference_files / "motorcycle-left.png")
    )
    _wait_for(browser, lambda d: _reference_state(d) in ("done", "error"))
    assert _reference_state(browser) == "done"
    status = browser.find_element(By.ID, "reference-status").text
    assert status.startswith("Done in") and "like: motorcycle-left.png" in status
    chosen = Select(browser.find_element(By.ID, "model")).first_selected_option
    assert chosen.text == "like: motorcycle-left.png"
    _upload(browser, files / "camera.png")
    card = _wait_for(browser, lambda d: (_cards(d, "done") or [None])[0])
    _wait_for(browser, lambda d: _picture_shown(card, "colorized"))
    quality = card.find_element(By.CLASS_NAME, "quality").text
    assert "model like: motorcycle-left.png" in quality
    card.find_element(By.CSS_SELECTOR, "a.download").click()
    png = _downloaded(downloads, "camera-colorized.png")
    browser.find_element(By.ID, "reference-download").click()
    _downloaded(downloads, "like-motorcycle-left.skops")
    model_file = downloads / "like-motorcycle-left.skops"
    np.testing.assert_array_equal(
        _decode(png), _expected(model_file, files / "camera.png")
    )


def test_a_grey_reference_gets_the_librarys_message(
    browser, open_page, reference_files
):
    open_page()
    browser.find_element(By.ID, "reference-input").send_keys(
        str(reference_files / "grey-reference.png")
    )
    _wait_for(browser, lambda d: _reference_state(d) in ("done", "error"))
    assert _reference_state(browser) == "error"
    error = browser.find_element(By.ID, "reference-error")
    assert error.text.startswith("grey-reference.png is a grey image")
    assert "a reference must be a colour photograph" in error.text
    options = Select(browser.find_element(By.ID, "model")).options
    assert not any(o.text.startswith("like: ") for o in options)


def _recoloured(browser, card, than):
    """Wait until the card's colorized picture is a new one, shown."""
    image = card.find_element(By.CSS_SELECTOR, "figure.colorized img")
    _wait_for(
        browser,
        lambda d: (
            card.get_attribute("data-recolour") == "done"
            and image.get_attribute("src") != than
            and image.get_property("complete")
            and image.get_property("naturalWidth") > 0
        ),
    )
    return image.get_attribute("src")


def test_paint_a_hint_undo_it_and_download_the_hints(
    browser, open_page, files, downloads, photo_model_file
):
    from somcolor.steering import hints_from_rgba

    open_page()
    _upload(browser, files / "camera.png")
    card = _wait_for(browser, lambda d: (_cards(d, "done") or [None])[0])
    _wait_for(browser, lambda d: _picture_shown(card, "colorized"))
    image = card.find_element(By.CSS_SELECTOR, "figure.colorized img")
    plain = image.get_attribute("src")
    canvas = card.find_element(By.CSS_SELECTOR, "canvas.marks")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)
    canvas.click()  # its middle
    marked = _recoloured(browser, card, plain)
    picker = card.find_element(By.CSS_SELECTOR, "input.hint-colour")
    model_colour = picker.get_attribute("value")
    assert card.get_attribute("data-marks") == "1"
    browser.execute_script(
        "arguments[0].value = '#e01010';"
        "arguments[0].dispatchEvent(new Event('input'));",
        picker,
    )
    _recoloured(browser, card, marked)
    assert (
        "Coloured with 1 mark" in card.find_element(By.CLASS_NAME, "hint-status").text
    )
    card.find_element(By.CSS_SELECTOR, "a.download-hints").click()
    layer = _decode(_downloaded(downloads, "camera-hints.png"))
    card.find_element(By.CSS_SELECTOR, "a.download").click()
    coloured = _decode(_downloaded(downloads, "camera-colorized.png"))
    # The layer: the photograph's size, transparent but for one red disc in
    # the middle, where the picture was clicked.
    assert layer.shape == (128, 128, 4)
    rows, cols = np.nonzero(layer[..., 3])
    assert 20 <= len(rows) <= 40 and set(np.unique(layer[..., 3])) == {0, 255}
    centre = int(round(rows.mean())), int(round(cols.mean()))
    assert abs(centre[0] - 64) <= 2 and abs(centre[1] - 64) <= 2
    assert layer[centre].tolist() == [224, 16, 16, 255]
    # The picker started at the model's colour where the mark was placed.
    before = _expected(photo_model_file, files / "camera.png")
    assert model_colour == "#{:02x}{:02x}{:02x}".format(*before[centre])
    # The picture is the model's prediction with that layer's hints.
    model = somcolor.load(photo_model_file)
    grey = as_grey(read_image(files / "camera.png"))
    expected = to_uint8(model.predict([grey], hints=[hints_from_rgba(layer)])[0])
    np.testing.assert_array_equal(coloured, expected)
    assert not np.array_equal(coloured, before)
    # Undo: the model's own colours again, and nothing to download.
    card.find_element(By.CSS_SELECTOR, "button.undo").click()
    _wait_for(browser, lambda d: image.get_attribute("src") == plain)
    assert card.get_attribute("data-marks") == "0"
    assert not card.find_element(By.CSS_SELECTOR, "a.download-hints").is_displayed()
    assert (
        card.find_element(By.CSS_SELECTOR, "a.download")
        .get_attribute("href")
        .endswith("/colorized.png?download=1")
    )


def test_screenshot_of_the_page(browser, open_page, files, tmp_path):
    open_page()
    _colorized(browser, files / "motorcycle.png")
    time.sleep(0.5)  # let the page settle before the picture (no timing check)
    shot = tmp_path / "serve_page.png"
    assert browser.save_screenshot(str(shot))
    picture = Image.open(shot).convert("RGB")
    pixels = np.asarray(picture)
    assert picture.width >= 1000 and picture.height >= 600
    # Colour on the page: the colorized and original pictures.
    assert np.abs(pixels[..., 0].astype(int) - pixels[..., 2]).max() > 60
    if os.environ.get("SOMCOLOR_UPDATE_SCREENSHOT"):
        small = picture.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(SCREENSHOT, optimize=True)
