# Sourced by shell tests that need root: without it they skip (exit 77, which
# ctest reports as skipped), except under CI=true, where a skip is a failure.
# Usage: source require_root.sh "WHAT IT NEEDS ROOT FOR"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root ($1)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
