"""What each page shows, built without Streamlit: ``(dataset, registry, request) -> Screen``.

A :class:`~bridge.screens.model.Screen` holds ready-to-render panels for the action lens, the choice
lens and both; ``bridge.ui`` renders it. Pages only pick the builder and the request.
"""
