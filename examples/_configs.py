"""Configurations shared by the example scripts (not part of the library).

``BEST`` is the best configuration documented in docs/paper.md: position
and context features (fit time), soft decoding at T = 0.38 (the lowest mean
CIEDE2000 whose colourfulness ratio stays within 0.8-1.2, measured by
``examples/colorize_better.py``) and colorizing at the training scale
(keeps the quality at 2x and 4x, ``examples/evaluate_scales.py``).
"""

from somcolor import PatchExtractor

BEST = {
    "extractor": PatchExtractor(3, context=4, position=True),
    "decoding": "soft",
    "temperature": 0.38,
    "predict_scale": "training",
}


#: Named candidates for the 'reference' recipe (issue 20), as specs of
#: :func:`pipeline_from_spec`, each a step from today's way (the photos
#: recipe at 20,000 pixels per image); measured with
#: ``reference_halves.py --split val`` and ``video_keyframes.py``, see
#: docs/reference.md.
CANDIDATES = {
    # today's way
    "today": "photos+pixels_per_image=20000",
    # the fit in a third of the time: SOM on 5,000 samples for 20 epochs,
    # the MLP for 10 epochs at a learning rate of 0.005
    "fast": "photos+pixels_per_image=20000+temperature=0.6"
    "+quantizer__max_samples=5000+quantizer__n_epochs=20"
    "+classifier__max_iter=10+classifier__learning_rate_init=0.005",
    # + a context pyramid at 4, 8 and 16 px only (32 px learns the
    # reference's layout)
    "fast-c16": "fast+extractor__context=4/8/16",
    # + 25 colours, soft decoding at T = 1
    "c16-25": "fast-c16+quantizer__n_rows=5+quantizer__n_cols=5+temperature=1.0",
}


def pipeline_from_spec(spec):
    """An unfitted pipeline from ``'recipe+param=value+...'``.

    For trying configurations from the command line of the reference
    scripts (``reference_halves.py``, ``video_keyframes.py``) without
    editing them: ``recipe`` is a name of ``somcolor.pretrained.recipe``
    (``photos``, ``reference``, ...), each ``param=value`` a
    ``ColorizerPipeline`` parameter set on it (nested ones as
    ``component__param``). A value is a Python literal (``0.3``, ``True``,
    ``'soft'``, ``None``), or several separated by ``/`` for a tuple
    (``classifier__hidden_layer_sizes=32/32``, ``extractor__context=4/8``;
    one element and a trailing ``/`` for a 1-tuple, ``32/``). The result
    has ``random_state=0`` unless the spec sets it. ``recipe`` may also be
    a name of :data:`CANDIDATES`, whose settings come first.

    >>> pipeline_from_spec("photos+temperature=0.5").temperature
    0.5
    >>> pipeline_from_spec("photos+extractor__context=4/8").extractor.context
    (4, 8)
    """
    import ast

    from somcolor.pretrained import recipe

    name, *settings = spec.split("+")
    while name in CANDIDATES:  # a named candidate: its spec, then the rest
        name, *first = CANDIDATES[name].split("+")
        settings = first + settings
    params = {}
    for setting in settings:
        key, sep, text = setting.partition("=")
        if not sep:
            raise ValueError(f"{setting!r} in {spec!r} is not param=value.")
        if "/" in text:
            value = tuple(ast.literal_eval(t) for t in text.split("/") if t)
        else:
            value = ast.literal_eval(text)
        params[key] = value
    return recipe(name).set_params(**params)
