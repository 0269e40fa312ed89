"""The shipped ``photos`` model on the photographs that ship with the libraries.

Every colour photograph of ``skimage.data`` and
``sklearn.datasets.load_sample_images`` (none of them in BSDS500), made grey
and colorized: mean CIEDE2000 next to grey and the training set's mean colour,
and the colourfulness ratio. No data set needed::

    python examples/shipped_on_bundled.py
"""

from skimage import data
from sklearn.datasets import load_sample_images

from somcolor import load_pretrained, to_grey
from somcolor.metrics import (
    colourfulness_ratio,
    grey_reference,
    mean_chroma_reference,
    per_image_ciede2000,
)


def main():
    model = load_pretrained("photos")
    china, flower = load_sample_images().images
    photos = {
        "scikit-learn's china.jpg": china,
        "scikit-learn's flower.jpg": flower,
        "rocket": data.rocket(),
        "chelsea (a cat)": data.chelsea(),
        "coffee": data.coffee(),
        "astronaut": data.astronaut(),
        "stereo motorcycle, right view": data.stereo_motorcycle()[1],
    }
    print("| photograph | `photos` | grey | mean colour | colourfulness |")
    print("|---|---|---|---|---|")
    for name, photo in photos.items():
        grey = to_grey([photo])
        colour = model.predict(grey)
        mean = mean_chroma_reference(grey, model.training_mean_chroma_)
        cells = [
            per_image_ciede2000([photo], guess)[0]
            for guess in (colour, grey_reference(grey), mean)
        ]
        print(
            f"| {name} | "
            + " | ".join(f"{c:.2f}" for c in cells)
            + f" | {colourfulness_ratio([photo], colour):.2f} |"
        )


if __name__ == "__main__":
    main()
