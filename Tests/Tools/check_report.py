"""Checks a Chromium screenshot of a `nexus report` page: every run's curves are drawn.

Usage: check_report.py REPORT.html SCREENSHOT.png COLOR [COLOR...]   (colours as #rrggbb)
Counts the screenshot's pixels of exactly each colour (the middle of a 2-pixel curve keeps
it), less the 12 x 12 legend swatches the HTML has in that colour, and prints them; exits 1
if any colour has fewer than MIN_PIXELS left, i.e. its curves were not drawn.
"""
import sys

from PIL import Image

MIN_PIXELS = 60
SWATCH_PIXELS = 12 * 12


def main():
    html = open(sys.argv[1], encoding="utf-8").read()
    image = Image.open(sys.argv[2]).convert("RGB")
    colors = sys.argv[3:]
    counts = {color: 0 for color in colors}
    wanted = {tuple(int(color[i:i + 2], 16) for i in (1, 3, 5)): color for color in colors}
    for count, pixel in image.getcolors(maxcolors=1 << 24):
        if pixel in wanted:
            counts[wanted[pixel]] += count
    curves = {color: counts[color] - SWATCH_PIXELS * html.count(f'class="swatch" style="background:{color}"') for color in colors}
    print(f"{image.width}x{image.height} screenshot; curve pixels per colour: {curves}")
    sys.exit(0 if all(count >= MIN_PIXELS for count in curves.values()) else 1)


if __name__ == "__main__":
    main()
