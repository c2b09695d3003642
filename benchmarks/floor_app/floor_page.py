"""What every floor page draws: a title, a segmented control, a 12-point line chart, a 20-row table."""

import math

import plotly.graph_objects as go
import streamlit as st

GRAINS = ["month", "quarter", "year"]
SCALE = {"month": 1.0, "quarter": 3.0, "year": 12.0}


def render(title: str, seed: int) -> None:
    st.title(title)
    grain = st.segmented_control("Grain", GRAINS, default="quarter", key="grain", required=True)
    grain = grain or "quarter"
    st.caption(f"Grain: {grain}")
    scale = SCALE[grain]
    x = list(range(1, 13))
    y = [scale * (10 + seed + 3 * math.sin(i / 2 + seed)) for i in x]
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name=title))
    figure.update_layout(height=320, margin={"l": 40, "r": 20, "t": 30, "b": 30}, title=grain)
    st.plotly_chart(figure, config={"displaylogo": False})
    st.dataframe(
        {
            "row": list(range(1, 21)),
            "unit": [f"Unit {i % 4 + 1}" for i in range(20)],
            "value": [round(scale * (100 + 7 * i + seed), 1) for i in range(20)],
        },
        hide_index=True,
    )
