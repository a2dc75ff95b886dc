"""Server-side SVG charts: the report must draw without any internet access."""

from __future__ import annotations

from decimal import Decimal

PALETTE = ["#417690", "#79aec8", "#e4a94b", "#b5573a", "#6a9f58", "#8c6bb1", "#c7a17a", "#5d8aa8",
           "#a05d56"]  # fmt: skip


def bar_chart(items: list[tuple[str, Decimal]], width: int = 640, bar_height: int = 26) -> dict:
    """Horizontal bars, one per label, scaled to the largest value."""
    label_width, gap = 150, 8
    largest = max((value for _label, value in items), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (label, value) in enumerate(items):
        length = float(value / largest) * (width - label_width - 110)
        bars.append(
            {
                "label": label,
                "value": value,
                "x": label_width,
                "y": index * (bar_height + gap),
                "width": max(length, 1),
                "height": bar_height,
                "text_x": label_width + max(length, 1) + 6,
                "text_y": index * (bar_height + gap) + bar_height * 0.68,
                "label_y": index * (bar_height + gap) + bar_height * 0.68,
                "colour": PALETTE[0],
            }
        )
    return {"width": width, "height": max(len(items), 1) * (bar_height + gap), "bars": bars,
            "label_x": label_width - 8}  # fmt: skip


def share_chart(items: list[tuple[str, Decimal]], width: int = 640, height: int = 34) -> dict:
    """One bar split into each label's share of the whole, with a legend."""
    total = sum((value for _label, value in items), Decimal(0))
    segments, x = [], 0.0
    for index, (label, value) in enumerate(items):
        share = float(value / total) if total else 0.0
        segments.append(
            {
                "label": label,
                "value": value,
                "percent": round(share * 100, 1),
                "x": x,
                "width": share * width,
                "colour": PALETTE[index % len(PALETTE)],
            }
        )
        x += share * width
    return {"width": width, "height": height, "segments": segments}
