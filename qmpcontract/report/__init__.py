"""The ``report`` layer: renderers turn data into text; they decide nothing."""
