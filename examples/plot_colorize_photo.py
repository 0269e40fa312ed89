"""
Colorize a photograph and see what the colorizer learnt
=======================================================

Fit a colorizer on the left view of scikit-image's stereo motorcycle pair,
then colorize the grey version of the right view, a different photograph of
the same scene. Three pictures from :mod:`somcolor.plotting` show the result:
the comparison grid (with the oracle, the true colours snapped to the
codebook), the codebook as a palette in the SOM's layout, and the class map.
"""

import matplotlib.pyplot as plt
from skimage import data

from somcolor import ColorizerPipeline, SOMQuantizer
from somcolor.plotting import plot_class_map, plot_codebook, plot_comparison

left, right, _ = data.stereo_motorcycle()
left, right = left[::2, ::2], right[::2, ::2]  # half size: a faster example

model = ColorizerPipeline(
    quantizer=SOMQuantizer(n_rows=3, n_cols=3),
    pixels_per_image=20000,
    random_state=0,
)
model.fit([left])
print(f"mean CIEDE2000 on the held-out view: {-model.score([right]):.2f}")

# %%
# Grey input, colorization, original and oracle
# ---------------------------------------------
# The oracle is the best any classifier could do with this 9-colour codebook.
fig = plot_comparison(model, [right], oracle=True)
plt.show()

# %%
# The codebook
# ------------
# Each square is one SOM unit's (U, V) chroma drawn at lightness L = 50,
# placed at the unit's row and column: neighbouring units hold similar
# colours.
fig = plot_codebook(model)
plt.show()

# %%
# The class map
# -------------
# The colour class the MLP chose for every pixel of the grey image.
fig = plot_class_map(model, right)
plt.show()
