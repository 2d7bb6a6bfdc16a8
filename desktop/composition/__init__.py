"""The composition root: builds the controllers and the window, and wires each screen to its controllers.

`build.build_app` makes the whole app; `root` holds what it returns and the moves that span screens;
one module per screen connects that screen's view to its controllers. Views and controllers never
import this package: they only emit and receive signals.
"""
