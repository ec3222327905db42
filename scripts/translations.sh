#!/usr/bin/env bash
# Regenerate sos_qgis_plugin/i18n/*.ts from every plugin .py and .ui file, keeping existing translations, then
# compile them to .qm. Needs pylupdate5 (Debian: pyqt5-dev-tools) and lrelease (Debian: qttools5-dev-tools).
# With --check, nothing is written: it exits 1 when a source string is missing from a .ts file or untranslated.
set -euo pipefail

check_only=false
if [[ "${1:-}" == "--check" ]]; then
    check_only=true
fi

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
plugin_dir="$repo_root/sos_qgis_plugin"
languages=(vi)

for tool in pylupdate5 lrelease python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "translations.sh: $tool not found; on Debian install pyqt5-dev-tools and qttools5-dev-tools" >&2
        exit 1
    fi
done

# pylupdate5 (PyQt 5.15) skips a translate(...) call that ends with a trailing comma, which ruff format adds
# whenever it splits the arguments over several lines. It reads a copy of the sources with the commas before ")"
# removed; line numbers stay the same, so the <location> lines still point into the real files.
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
copy_dir="$work_dir/sos_qgis_plugin"
mkdir -p "$copy_dir"
(cd "$plugin_dir" && find . \( -name '*.py' -o -name '*.ui' \) -not -path '*/__pycache__/*' -print0 \
    | xargs -0 -I{} cp --parents {} "$copy_dir")
python3 - "$copy_dir" <<'PY'
import pathlib
import re
import sys

for path in pathlib.Path(sys.argv[1]).rglob("*.py"):
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r",(\s*\))", r"\1", text), encoding="utf-8")
PY

cd "$copy_dir"
# Sorted relative paths keep the <location> lines of the .ts file stable between machines.
mapfile -t sources < <(find . \( -name '*.py' -o -name '*.ui' \) | LC_ALL=C sort)
mkdir -p i18n

for language in "${languages[@]}"; do
    ts_name="sos_qgis_plugin_${language}.ts"
    if [[ -f "$plugin_dir/i18n/$ts_name" ]]; then
        cp "$plugin_dir/i18n/$ts_name" "i18n/$ts_name"
    fi
    # -noobsolete drops messages whose source text left the code; unchanged messages keep their translation.
    PYTHONIOENCODING=utf-8 pylupdate5 -noobsolete "${sources[@]}" -ts "i18n/$ts_name"
    if $check_only; then
        unfinished=$(grep -c 'type="unfinished"' "i18n/$ts_name" || true)
        if [[ "$unfinished" != "0" ]]; then
            echo "translations.sh: $unfinished source strings lack a translation in $ts_name:" >&2
            grep -B2 'type="unfinished"' "i18n/$ts_name" | grep '<source>' >&2 || true
            exit 1
        fi
        echo "translations.sh: $ts_name covers every source string"
        continue
    fi
    cp "i18n/$ts_name" "$plugin_dir/i18n/$ts_name"
    lrelease "$plugin_dir/i18n/$ts_name" -qm "$plugin_dir/i18n/sos_qgis_plugin_${language}.qm"
    echo "translations.sh: $ts_name has $(grep -c 'type="unfinished"' "$plugin_dir/i18n/$ts_name" || true) unfinished messages"
done
