"""Data set loaders: folders and globs, and the eight-scene download (offline).

The download is tested against a small archive built here and served from a
loopback HTTP server on 127.0.0.1, laid out like the authors' original
archive (one flat folder of ``<category>_<name>.jpg``).
"""

import functools
import hashlib
import http.server
import socket
import threading
import zipfile

import numpy as np
import pytest
from skimage import io as skio

from somcolor import datasets
from somcolor.datasets import SCENE8_CATEGORIES, load_images, load_scene8

pooch = pytest.importorskip("pooch")


def test_load_images_from_folder_and_glob(tmp_path, small_rgb_images):
    for k, image in enumerate(small_rgb_images[:3]):
        skio.imsave(tmp_path / f"im{k}.png", image, check_contrast=False)
    (tmp_path / "notes.txt").write_text("not listed")
    images, names = load_images(tmp_path)
    assert [n.rsplit("/", 1)[-1] for n in names] == ["im0.png", "im1.png", "im2.png"]
    np.testing.assert_array_equal(images[1], small_rgb_images[1])
    images, names = load_images(str(tmp_path / "im[02].png"))
    assert len(images) == 2
    with pytest.raises(FileNotFoundError):
        load_images(tmp_path / "missing")


@pytest.fixture
def archive(tmp_path, small_rgb_images):
    """A zip shaped like the original archive, with 5 images per category."""
    root = "spatial_envelope_256x256_static_8outdoorcategories"
    path = (
        tmp_path / "served" / "spatial_envelope_256x256_static_8outdoorcategories.zip"
    )
    path.parent.mkdir()
    staging = tmp_path / "staging"
    staging.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        for c, category in enumerate(SCENE8_CATEGORIES):
            for k in range(5):
                image = np.roll(small_rgb_images[k % 4], c + k, axis=1)
                file = staging / f"{category}_img{k}.jpg"
                skio.imsave(file, image)
                zf.write(file, f"{root}/{file.name}")
    return path


@pytest.fixture
def server(archive):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(archive.parent)
    )
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{archive.name}"
    httpd.shutdown()
    httpd.server_close()


def test_load_scene8_downloads_checks_and_caches(
    tmp_path, archive, server, monkeypatch
):
    monkeypatch.delenv(datasets.SCENE8_ENV, raising=False)
    monkeypatch.setattr(datasets, "SCENE8_URL", server)
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(datasets, "SCENE8_SHA256", sha)
    home = tmp_path / "cache"
    data = load_scene8("opencountry", data_home=home)
    assert len(data.images) == 5
    assert all(name.endswith(".jpg") for name in data.filenames)
    assert set(data.categories) == {"opencountry"}
    assert data.images[0].shape == (40, 48, 3)
    assert len(load_scene8(data_home=home, split="test").images) == 8  # 1 of 5 each
    assert len(load_scene8("coast", data_home=home, split="train").images) == 4

    # The second call reads the cache: it works with the server gone.
    monkeypatch.setattr(datasets, "SCENE8_URL", "http://127.0.0.1:9/none.zip")
    assert len(load_scene8(["coast", "forest"], data_home=home).images) == 10


def test_load_scene8_refuses_a_wrong_checksum(tmp_path, server, monkeypatch):
    monkeypatch.delenv(datasets.SCENE8_ENV, raising=False)
    monkeypatch.setattr(datasets, "SCENE8_URL", server)
    monkeypatch.setattr(datasets, "SCENE8_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="(?i)hash"):
        load_scene8("opencountry", data_home=tmp_path / "cache")
    assert datasets.scene8_home(tmp_path / "cache") is None


def _no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_load_scene8_says_what_to_do_when_the_download_fails(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.SCENE8_ENV, raising=False)
    _no_proxy(monkeypatch)
    # A loopback port bound but not listening: the connection is refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/scene8.zip"
        monkeypatch.setattr(datasets, "SCENE8_URL", url)
        with pytest.raises(ConnectionError, match="SOMCOLOR_SCENE8") as info:
            load_scene8("coast", data_home=tmp_path / "cache")
    assert url in str(info.value)
    assert datasets.scene8_home(tmp_path / "cache") is None


def test_load_scene8_deletes_a_damaged_archive(tmp_path, archive, server, monkeypatch):
    monkeypatch.delenv(datasets.SCENE8_ENV, raising=False)
    _no_proxy(monkeypatch)
    damaged = archive.parent / "damaged.zip"
    damaged.write_bytes(archive.read_bytes()[:1000])  # a download cut short
    monkeypatch.setattr(
        datasets, "SCENE8_URL", server.replace(archive.name, damaged.name)
    )
    monkeypatch.setattr(datasets, "SCENE8_SHA256", None)
    home = tmp_path / "cache"
    with pytest.raises(OSError, match="not a whole zip file"):
        load_scene8("coast", data_home=home)
    assert not list(home.glob("*.zip"))  # deleted: the next call downloads again
    # With the whole archive served, the next call works.
    monkeypatch.setattr(datasets, "SCENE8_URL", server)
    assert len(load_scene8("coast", data_home=home).images) == 5


def test_load_scene8_without_download(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.SCENE8_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match="SOMCOLOR_SCENE8"):
        load_scene8("coast", data_home=tmp_path, download=False)
    with pytest.raises(ValueError, match="category"):
        load_scene8("beach", data_home=tmp_path)
