"""
How many colours? Comparing SOM sizes
=====================================

The paper settles on a 3x3 SOM (9 colours). A larger map describes the
chroma better (smaller quantization error) but gives the classifier more,
rarer classes to tell apart. Here a 2x2, a 3x3 and a 4x4 map are fitted on
one photograph of scikit-image's coffee cup and scored on its grey version
with :meth:`~somcolor.ColorizerPipeline.score` (minus the mean CIEDE2000,
which compares codebooks of different sizes fairly; pixel accuracy does
not).
"""

import matplotlib.pyplot as plt
from skimage import data

from somcolor import ColorizerPipeline, SOMQuantizer
from somcolor.plotting import plot_codebook

image = data.coffee()[::3, ::3]
train, test = image[:, : image.shape[1] // 2], image[:, image.shape[1] // 2 :]

fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
for ax, size in zip(axes, (2, 3, 4)):
    model = ColorizerPipeline(
        quantizer=SOMQuantizer(n_rows=size, n_cols=size),
        pixels_per_image=8000,
        random_state=0,
    ).fit([train])
    plot_codebook(model, annotate=False, ax=ax)
    error = model.quantizer_.quantization_error_
    ax.set_xlabel(
        f"quantization error {error:.1f}\nCIEDE2000 on the right half "
        f"{-model.score([test]):.2f}",
        fontsize=8,
    )
    print(
        f"{size}x{size}: quantization error {error:.2f}, "
        f"score {model.score([test]):.2f}"
    )
fig.tight_layout()
plt.show()
