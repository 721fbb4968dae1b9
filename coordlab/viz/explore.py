"""Widgets that redraw a picture, and still show one when nobody is there to move them.

``explore(draw, latency=FloatSlider(...), ...)`` shows the controls and, below them, the
figure ``draw(**values)`` returns for the current values. Moving a control redraws it in
place. The first figure is an ordinary display output, not something inside a widget,
so a notebook executed headless (nbval, nbconvert, GitHub's viewer) still shows a real
picture for the default values.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import DisplayHandle, display
from matplotlib.figure import Figure


def explore(draw: Callable[..., Figure], **controls: widgets.ValueWidget) -> None:
    """Show ``controls`` and the figure ``draw`` makes from their values; redraw on change."""
    values = {name: control.value for name, control in controls.items()}
    box = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    display(box)
    handle = DisplayHandle()
    handle.display(draw(**values))

    def redraw(change: dict[str, Any]) -> None:
        figure = draw(**{name: control.value for name, control in controls.items()})
        handle.update(figure)
        plt.close(figure)

    for control in controls.values():
        control.observe(redraw, names="value")
