#!/bin/sh
# Test stand-in for an image scanner: copies its fixture report to the path the real tool would write.
# The arguments ScanGate passes (the image, the tool's options) are deliberately never read.
set -eu
echo "stand-in scanner: writing the fixture report to $STANDIN_REPORT_PATH (no image is scanned)"
cp /opt/standin/report "$STANDIN_REPORT_PATH"
