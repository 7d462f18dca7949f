/* ScanGate rule pack, compiled into the yara image (deploy/scanners/yara/Dockerfile). */
include "webshells.yar"
include "droppers.yar"
include "miners.yar"
include "install-scripts.yar"
