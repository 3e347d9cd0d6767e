#!/usr/bin/env bash
# Regenerates the Java classes for the `ipc` FlatBuffers schema (spec section 6) with flatc,
# or, with --check, verifies that the committed classes are exactly what flatc produces.
#
#   schemas/regenerate.sh           regenerate src/main/java/ipc from src/main/fbs/ipc.fbs
#   schemas/regenerate.sh --check   regenerate into a temp dir and diff against the committed
#                                   files; exit 1 (printing the diff) when they differ
#
# flatc must be version 2.0.8, the version of the flatbuffers-java runtime we depend on: the
# generated classes call Constants.FLATBUFFERS_2_0_8(), which only that runtime has.
# flatc is taken from $FLATC if set, else from PATH (Debian: apt-get install flatbuffers-compiler).
# Exit codes: 0 ok, 1 committed files differ (--check), 2 usage error or flatc missing/wrong version.
set -euo pipefail

readonly REQUIRED_FLATC_VERSION="2.0.8"
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCHEMA_DIR="${SCRIPT_DIR}/src/main/fbs"
readonly JAVA_DIR="${SCRIPT_DIR}/src/main/java"
# flatc writes the classes of namespace `ipc` to <out>/ipc; that is the only directory we own.
readonly GENERATED_PACKAGE_DIR="ipc"

mode="write"
case "${1:-}" in
    "") ;;
    --check) mode="check" ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "regenerate.sh: unknown argument '$1' (expected nothing or --check)" >&2; exit 2 ;;
esac
if [[ $# -gt 1 ]]; then
    echo "regenerate.sh: too many arguments: $* (expected nothing or --check)" >&2
    exit 2
fi

flatc="${FLATC:-flatc}"
if ! command -v "${flatc}" >/dev/null 2>&1; then
    echo "regenerate.sh: flatc not found (looked for '${flatc}'${FLATC:+ from \$FLATC}, PATH=${PATH})." >&2
    echo "  Install flatc ${REQUIRED_FLATC_VERSION}: apt-get install -y flatbuffers-compiler (Debian 12)," >&2
    echo "  or point \$FLATC at a flatc ${REQUIRED_FLATC_VERSION} binary." >&2
    exit 2
fi
version_line="$("${flatc}" --version 2>&1 || true)"
if [[ "${version_line}" != "flatc version ${REQUIRED_FLATC_VERSION}" ]]; then
    echo "regenerate.sh: '${flatc}' reports '${version_line}', but flatc ${REQUIRED_FLATC_VERSION} is required" >&2
    echo "  (it must match the flatbuffers-java ${REQUIRED_FLATC_VERSION} runtime; the generated code checks it)." >&2
    exit 2
fi

shopt -s nullglob
schemas=("${SCHEMA_DIR}"/*.fbs)
if [[ ${#schemas[@]} -eq 0 ]]; then
    echo "regenerate.sh: no .fbs files in ${SCHEMA_DIR}" >&2
    exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/shmipc-schemas-regen.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

"${flatc}" --java -o "${tmp}" "${schemas[@]}"

if [[ ! -d "${tmp}/${GENERATED_PACKAGE_DIR}" ]]; then
    echo "regenerate.sh: flatc produced no ${GENERATED_PACKAGE_DIR}/ directory; did the namespace change?" >&2
    exit 2
fi

if [[ "${mode}" == "check" ]]; then
    if ! diff -ruN "${JAVA_DIR}/${GENERATED_PACKAGE_DIR}" "${tmp}/${GENERATED_PACKAGE_DIR}"; then
        echo "regenerate.sh --check: the committed classes in ${JAVA_DIR}/${GENERATED_PACKAGE_DIR} differ" >&2
        echo "  from what flatc ${REQUIRED_FLATC_VERSION} generates from ${SCHEMA_DIR}; run schemas/regenerate.sh and commit." >&2
        exit 1
    fi
    echo "regenerate.sh --check: ${JAVA_DIR}/${GENERATED_PACKAGE_DIR} matches flatc ${REQUIRED_FLATC_VERSION} output."
else
    rm -rf "${JAVA_DIR:?}/${GENERATED_PACKAGE_DIR}"
    mkdir -p "${JAVA_DIR}"
    cp -R "${tmp}/${GENERATED_PACKAGE_DIR}" "${JAVA_DIR}/"
    echo "regenerate.sh: wrote ${JAVA_DIR}/${GENERATED_PACKAGE_DIR} with flatc ${REQUIRED_FLATC_VERSION}."
fi
