#!/usr/bin/env python3
"""Renders every src/test/resources/render/cairo/*.svg with cairosvg into NAME.png next to it.

These PNGs are the oracle for JsvgRendererCairoTest: the critic was trained on exactly this call.
Needs cairosvg (Debian: python3-cairosvg 2.5.2); CI only reads the committed PNGs.
Run from the repository root:  python3 scripts/make-cairo-fixtures.py
"""
import pathlib

import cairosvg

FIXTURES = pathlib.Path("src/test/resources/render/cairo")

for svg in sorted(FIXTURES.glob("*.svg")):
    png = svg.with_suffix(".png")
    cairosvg.svg2png(bytestring=svg.read_bytes(), write_to=str(png),
                     output_width=200, output_height=200, background_color="white")
    print(f"{svg} -> {png}")
