#!/usr/bin/env bash
# Start the reference server on a copy of the demo database. Then start QGIS desktop under Xvfb with the
# plugin installed in a throwaway profile and connected to that server. QGIS opens the demo project and the
# SOS dock, the plugin fetches, and a screenshot of the screen is saved.
# Usage: scripts/screenshot.sh DEMO_DIR OUT.png [LOCALE]
# DEMO_DIR is the output folder of scripts/demo.py (sos_demo.qgz and server.db).
set -euo pipefail
demo=$(realpath "$1")
target=$(realpath -m "$2")
locale=${3:-en_US}
repo=$(cd "$(dirname "$0")/.." && pwd)
python="$repo/.venv/bin/python"

command -v Xvfb >/dev/null || { echo "Xvfb is missing: apt-get install -y xvfb" >&2; exit 1; }
work=$(mktemp -d)
profiles="$work/profiles"
echo "QGIS profile folder: $profiles" >&2
cleanup() {
  kill "${qgis_pid:-0}" "${server_pid:-0}" "${xvfb_pid:-0}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP_PROFILE:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The server works on a copy, so the demo folder stays as the demo wrote it.
cp "$demo/server.db" "$work/server.db"
cp -r "$demo" "$work/demo"
rm -f "$work/demo/server.db" "$work/demo/server.db-wal" "$work/demo/server.db-shm"
cli() { (cd "$repo" && "$python" -m sos_server "$@" --db "$work/server.db"); }
officer_token=$(cli token create --role officer --name screenshot-officer)
intake_token=$(cli token create --role intake --name screenshot-intake)
(cd "$repo" && exec "$python" -m sos_server serve --db "$work/server.db" --host 127.0.0.1 --port 0 \
  >"$work/server.out" 2>"$work/server.log") &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$work/server.out" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the reference server did not start; see its log:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "Reference server listening on $url" >&2

"$python" "$repo/scripts/build_plugin.py" install --profile-dir "$profiles/profiles/default" >/dev/null
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
site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$(dirname "$target")"
# The tokens reach the QGIS process through its environment only. The script inside QGIS stores the officer
# token in the throwaway authentication database, as an officer would through the Connect dialog.
DISPLAY=$display PYTHONPATH="$site" QT_QPA_PLATFORM=xcb QGIS_AUTH_DB_DIR_PATH="$work/auth" \
  SOS_SCREENSHOT_PATH="$target" SOS_SCREENSHOT_URL="$url" \
  SOS_SCREENSHOT_TOKEN="$officer_token" SOS_SCREENSHOT_INTAKE_TOKEN="$intake_token" \
  SOS_SCREENSHOT_CASES="$work/demo/sos_cases.gpkg" \
  timeout 180 qgis --profiles-path "$profiles" --profile default --nologo --noversioncheck \
  --code "$repo/scripts/screenshot_in_qgis.py" --project "$work/demo/sos_demo.qgz" 2>"$work/qgis.log" &
qgis_pid=$!
wait "$qgis_pid" || true
test -s "$target" || { echo "no screenshot written; QGIS log:" >&2; tail -30 "$work/qgis.log" >&2; exit 1; }
grep -h "^SOS screenshot:" "$work/qgis.log" >&2 || true
echo "$target"
