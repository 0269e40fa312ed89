"""Validation of image collections: lists of arrays or stacked arrays.

Every public entry point that takes images goes through :func:`check_images`,
so that bad input is refused in one place, with a message that names the
argument, the offending image's index and what was expected.
"""

import numpy as np

__all__ = ["PIXELS_PER_STEP", "check_images", "images_like", "row_bands"]

#: Pixels converted per step where a conversion goes a band of rows at a time
#: (:func:`somcolor.to_grey`, 8-bit levels): a 24-megapixel photograph then
#: needs no temporary arrays larger than a few bands, about 8 MB each.
PIXELS_PER_STEP = 1 << 20


def row_bands(shape, pixels=None):
    """Slices of rows of an image of ``shape``, each of about ``pixels`` pixels
    (:data:`PIXELS_PER_STEP` by default; at least one row).

    Examples
    --------
    >>> from somcolor._images import row_bands
    >>> row_bands((5, 4), pixels=8)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 6, None)]
    """
    pixels = PIXELS_PER_STEP if pixels is None else pixels
    step = max(1, pixels // max(1, shape[1]))
    return [slice(start, start + step) for start in range(0, shape[0], step)]


_STACK_SHAPES = {2: "(n_images, height, width)", 3: "(n_images, height, width, 3)"}


def _image_list(images, name, ndim):
    """Split ``images`` into a list of arrays; remember if it was stacked."""
    if images is None:
        raise TypeError(f"{name} must be a list of images or an array, got None.")
    if isinstance(images, np.ndarray) and images.dtype != object:
        if images.ndim != ndim + 1:
            raise ValueError(
                f"{name} as an array must have shape {_STACK_SHAPES[ndim]}, got "
                f"shape {images.shape}."
            )
        return list(images), True
    if isinstance(images, (str, bytes)) or not hasattr(images, "__len__"):
        raise TypeError(
            f"{name} must be a list of images or an array, got {type(images).__name__}."
        )
    arrays = []
    for index, image in enumerate(images):
        try:
            arrays.append(np.asarray(image))
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{name}[{index}] cannot be read as an array: {error}"
            ) from None
    return arrays, False


def _check_values(image, name, index):
    """Refuse a dtype or values that cannot be read as an image."""
    if image.dtype in (np.uint8, np.uint16):
        return
    if image.dtype.kind == "f":
        if not image.size:
            return
        # Two passes, no temporary: the minimum is NaN if any value is, and
        # an infinity is the minimum or the maximum.
        low, high = image.min(), image.max()
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(
                f"{name}[{index}] contains NaN or infinity; expected finite values."
            )
        if low < 0 or high > 1:
            raise ValueError(
                f"{name}[{index}] has float values outside [0, 1] "
                f"(min {low:.3g}, max {high:.3g}); float images "
                "must be scaled to [0, 1] (uint8 images may use 0..255)."
            )
        return
    raise TypeError(
        f"{name}[{index}] has dtype {image.dtype}; expected uint8 (0..255), "
        "uint16 (0..65535) or float (0..1)."
    )


def _to_unit_float(image):
    """A checked image as float64 in [0, 1]."""
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float64) / 65535.0
    return image.astype(np.float64)


def check_images(images, *, color, name="images", min_images=1, convert=True):
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
    convert : bool, default=True
        Convert to float64; False only checks (RGBA images still lose their
        alpha channel).

    Returns
    -------
    checked : list of ndarray
        C-contiguous float64 images with values in [0, 1] (when
        ``convert``; else the checked images as given).
    stacked : bool
        Whether the input was one stacked array (outputs follow suit).
    """
    image_list, stacked = _image_list(images, name, 3 if color else 2)
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
            if image.ndim == 3 and image.shape[2] == 4:
                image = image[..., :3]  # RGBA: the alpha channel is ignored
            if image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(
                    f"{name}[{index}] must be an RGB image of shape (height, "
                    f"width, 3) (or RGBA, alpha ignored), got shape {image.shape}."
                )
        elif image.ndim != 2:
            hint = (
                " For a colour image, make it grey first with somcolor.to_grey."
                if image.ndim == 3 and image.shape[-1] in (3, 4)
                else ""
            )
            raise ValueError(
                f"{name}[{index}] must be a grey image of shape (height, width), "
                f"got shape {image.shape}.{hint}"
            )
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise ValueError(f"{name}[{index}] is empty (shape {image.shape}).")
        _check_values(image, name, index)
        checked.append(
            np.ascontiguousarray(_to_unit_float(image)) if convert else image
        )
    return checked, stacked


def images_like(outputs, stacked):
    """Return ``outputs`` stacked into one array if the input was stacked."""
    return np.stack(outputs) if stacked else outputs
