#!/usr/bin/env bash
# Installs the Debian packages the readout needs (idempotent; fast when all are present):
#   graphviz                      `dot`, which draws the architecture diagram as SVG
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
#                                 the libraries WeasyPrint loads to render the PDF readout
#   fonts-dejavu-core fonts-liberation
#                                 fonts for the PDF and the diagram (no font is fetched at run time)
#   poppler-utils                 pdftotext / pdfinfo / pdftoppm, used by the PDF tests
# Only Debian's packages; apt-get update runs only when something has to be installed.
set -euo pipefail

packages=(
  graphviz
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-dejavu-core
  fonts-liberation
  poppler-utils
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" = "0" ]; then
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing system packages for the readout: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
dot -V
