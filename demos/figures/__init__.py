"""The figures of the demos: ``figures/<name>.py`` draws those of ``demos/<name>.py`` (or of
``demos/reproductions/<name>.py``). Each function takes the numbers the experiment recorded and
returns a matplotlib figure; the demo saves it (``common.save_outputs``)."""
