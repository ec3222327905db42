#!/usr/bin/env bash
# Start QGIS desktop under Xvfb with the plugin installed in a throwaway profile, open a project and
# save a screenshot of the main window.
# Usage: scripts/screenshot.sh PROJECT.qgz OUT.png [LOCALE]
set -euo pipefail
project=$(realpath "$1")
target=$(realpath -m "$2")
locale=${3:-en_US}
repo=$(cd "$(dirname "$0")/.." && pwd)

command -v Xvfb >/dev/null || { echo "Xvfb is missing: apt-get install -y xvfb" >&2; exit 1; }
profiles=$(mktemp -d)
echo "QGIS profile folder: $profiles" >&2
trap 'kill "${xvfb_pid:-0}" 2>/dev/null || true; [ -n "${KEEP_PROFILE:-}" ] || rm -rf "$profiles"' EXIT

"$repo/.venv/bin/python" "$repo/scripts/build_plugin.py" install --profile-dir "$profiles/profiles/default" >/dev/null
mkdir -p "$profiles/profiles/default/QGIS"
cat > "$profiles/profiles/default/QGIS/QGIS3.ini" <<INI
[PythonPlugins]
sos_qgis_plugin=true
[locale]
overrideFlag=true
userLocale=$locale
[qgis]
showTips=false
checkVersion=false
[UI]
hidePromptsOnStartup=true
INI

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp &
xvfb_pid=$!
sleep 2
# The venv's site-packages give QGIS's Python shapely 2 (Debian 12 ships 1.8).
site=$("$repo/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$(dirname "$target")"
DISPLAY=$display PYTHONPATH="$site" SOS_SCREENSHOT_PATH="$target" QT_QPA_PLATFORM=xcb \
  timeout 120 qgis --profiles-path "$profiles" --profile default --nologo --noversioncheck \
  --code "$repo/scripts/screenshot_in_qgis.py" --project "$project" 2>"$profiles/qgis.log" || true
test -s "$target" || { echo "no screenshot written; QGIS log:" >&2; tail -30 "$profiles/qgis.log" >&2; exit 1; }
echo "$target"
