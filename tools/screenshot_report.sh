#!/usr/bin/env bash
# Renders a cinder report.html in headless Chromium (Debian's `chromium` package) to a PNG, to
# check the page as a browser shows it.
#   tools/screenshot_report.sh RUN_DIR/report.html [OUT.png] [WIDTHxHEIGHT]
set -euo pipefail
report=${1:?usage: tools/screenshot_report.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]}
out=${2:-${report%.html}.png}
size=${3:-1200x4000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no Chromium found (apt-get install chromium)" >&2
  exit 2
fi
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="${size/x/,}" --screenshot="$out" "file://$(realpath "$report")" 2>/dev/null
python3 - "$out" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
print(f"{sys.argv[1]}: {width}x{height} PNG, {len(data)} bytes")
PY
