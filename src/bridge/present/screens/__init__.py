"""What each page shows, built without Streamlit: ``(dataset, registry, request) -> Screen``.

A :class:`~bridge.present.screens.model.Screen` holds ready-to-render panels for the action lens, the choice
lens and both; ``bridge.app.ui`` renders it. Pages only pick the builder and the request.
"""
