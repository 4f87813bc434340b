# Sourced by the CLI tests: `expect EXIT_CODE FRAGMENT -- ARGS...` runs
# "$tool" ARGS (output in $work) and checks its exit code and that FRAGMENT
# appears in its output; counts failures in $failures.
expect() {
  local code=$1 fragment=$2; shift 3
  "$tool" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  local name
  name=$(basename "$tool")
  if [[ $got -ne $code ]] || ! grep -qF -- "$fragment" "$work/err" "$work/out"; then
    echo "FAIL: $name $* -> exit $got (want $code), output lacks '$fragment':"
    sed 's/^/    /' "$work/err" "$work/out"
    failures=$((failures + 1))
  else
    echo "ok: $name $* -> $got: $(cat "$work/err" "$work/out" | grep -v '^$' | head -1)"
  fi
}
