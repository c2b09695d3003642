"""The translation core: pure functions ``(dataset, registry, as_of, …) -> tidy Polars frame``.

Nothing here opens a connection, reads a clock or imports Streamlit; every view can be tested on a
hand-built :class:`~bridge.dataset.Dataset`.
"""
