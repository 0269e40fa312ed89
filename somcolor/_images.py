"""Validation of image collections: lists of arrays or stacked arrays.

Every public entry point that takes images goes through :func:`check_images`,
so that bad input is refused in one place, with a message that names the
argument, the offending image's index and what was expected.
"""

import numpy as np

__all__ = ["check_images", "images_like"]


def _image_list(images, name):
    """Split ``images`` into a list of arrays; remember if it was stacked."""
    if images is None:
        raise TypeError(f"{name} must be a list of images or an array, got None.")
    if isinstance(images, np.ndarray):
        return list(images), True
    if isinstance(images, (str, bytes)) or not hasattr(images, "__len__"):
        raise TypeError(
            f"{name} must be a list of images or an array, got {type(images).__name__}."
        )
    return [np.asarray(image) for image in images], False


def _to_unit_float(image, name, index):
    """Convert one image to float64 in [0, 1], refusing what cannot be read."""
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    if image.dtype.kind == "f":
        if not np.all(np.isfinite(image)):
            raise ValueError(
                f"{name}[{index}] contains NaN or infinity; expected finite values."
            )
        if image.size and (image.min() < 0 or image.max() > 1):
            raise ValueError(
                f"{name}[{index}] has float values outside [0, 1] "
                f"(min {image.min():.3g}, max {image.max():.3g}); float images "
                "must be scaled to [0, 1] (uint8 images may use 0..255)."
            )
        return image.astype(np.float64)
    raise TypeError(
        f"{name}[{index}] has dtype {image.dtype}; expected uint8 (0..255) or "
        "float (0..1)."
    )


def check_images(images, *, color, name="images", min_images=1):
    """Validate a collection of images and convert them to float64 in [0, 1].

    Parameters
    ----------
    images : list of ndarray or ndarray
        A list (sizes may differ) or a stacked array.
    color : bool
        True for RGB images of shape (H, W, 3), False for grey images of shape
        (H, W).
    name : str, default='images'
        Argument name used in error messages.
    min_images : int, default=1
        Fewest images accepted.

    Returns
    -------
    checked : list of ndarray
        C-contiguous float64 images with values in [0, 1].
    stacked : bool
        Whether the input was one stacked array (outputs follow suit).
    """
    image_list, stacked = _image_list(images, name)
    if stacked and images.ndim != (4 if color else 3):
        expected = (
            "(n_images, height, width, 3)" if color else "(n_images, height, width)"
        )
        raise ValueError(
            f"{name} as an array must have shape {expected}, got shape {images.shape}."
        )
    if len(image_list) < min_images:
        raise ValueError(
            f"{name} must contain at least {min_images} image(s), got "
            f"{len(image_list)}."
        )
    checked = []
    for index, image in enumerate(image_list):
        if image.dtype == object:
            raise TypeError(f"{name}[{index}] is not a numeric array (dtype object).")
        if color:
            if image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(
                    f"{name}[{index}] must be an RGB image of shape (height, "
                    f"width, 3), got shape {image.shape}."
                )
        elif image.ndim != 2:
            raise ValueError(
                f"{name}[{index}] must be a grey image of shape (height, width), "
                f"got shape {image.shape}."
            )
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise ValueError(f"{name}[{index}] is empty (shape {image.shape}).")
        checked.append(np.ascontiguousarray(_to_unit_float(image, name, index)))
    return checked, stacked


def images_like(outputs, stacked):
    """Return ``outputs`` stacked into one array if the input was stacked."""
    return np.stack(outputs) if stacked else outputs
