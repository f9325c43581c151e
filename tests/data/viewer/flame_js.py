"""Extracts what the flame SVG's script needs from an SVG, as JSON for flame_js.js:
the script text, the image width, the inverted flag, and each frame (title, rect attributes).
usage: flame_js.py SVG > frames.json"""
import json
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
frames = []
for g in root.find(NS + "g[@id='frames']"):
    rect = g.find(NS + "rect")
    frames.append({"title": g.find(NS + "title").text, "rect": dict(rect.attrib),
                   "text": g.find(NS + "text").text or ""})
json.dump({"script": root.find(NS + "script").text, "width": root.get("width"),
           "inverted": root.get("data-inverted"), "frames": frames}, sys.stdout)
