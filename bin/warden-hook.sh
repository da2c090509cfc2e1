#!/bin/sh
# Claude Code's PreToolUse hook without starting node (docs/claude-code.md, "The fast hook"):
# one curl to Warden's decision endpoint, which answers in the hook's own output format.
#   warden-hook.sh [--fail-open] [--timeout-s N] URL -- NODE WARDEN_JS
# Credential: $WARDEN_TOKEN, else the bearer header file `warden login`/`warden token` keep
# (bearer.header, 0600, in the login folder). With no credential, a 401 (an expired OIDC token)
# or no curl it hands over to `warden hook pre-tool-use`, which refreshes the login. Warden
# unreachable or failing: exit 2 with the reason (fail closed) unless --fail-open.
# The token never appears on a command line: curl reads the header from a file or descriptor.
# curl -q: no ~/.curlrc, whose options (a proxy, -k) would change where the document goes.
fail_open=
timeout=5
while [ $# -gt 0 ]; do
  case $1 in
    --fail-open) fail_open=1; shift ;;
    --timeout-s) timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) url=$1; shift ;;
  esac
done
if [ -z "$url" ] || [ $# -lt 1 ]; then
  echo 'Warden hook: usage: warden-hook.sh [--fail-open] [--timeout-s N] URL -- NODE WARDEN_JS' >&2
  exit 2
fi
url=${url%/}

node_hook() {
  # "$@" is the warden command (node and bin/warden.js): the full hook, which refreshes the login.
  if [ -n "$fail_open" ]; then
    printf '%s' "$input" | "$@" hook pre-tool-use --url "$url" --timeout-ms "${timeout}000" --fail-open
  else
    printf '%s' "$input" | "$@" hook pre-tool-use --url "$url" --timeout-ms "${timeout}000"
  fi
  exit $?
}

unreachable() {
  if [ -n "$fail_open" ]; then
    echo "Warden hook (fail-open): $1; Claude Code's own rules decide" >&2
    exit 0
  fi
  echo "Warden hook: $1; the tool call is blocked" >&2
  exit 2
}

input=$(cat)
command -v curl >/dev/null 2>&1 || node_hook "$@"

dir=${WARDEN_LOGIN_DIR:-${XDG_CONFIG_HOME:-${HOME:?}/.config}/warden}
header=$dir/bearer.header
nl='
'
endpoint="$url/v1/warden/decide/tool-use?format=claude-hook"
if [ -n "$WARDEN_TOKEN" ]; then
  out=$(printf '%s' "$input" | curl -q -sS --fail-with-body --max-time "$timeout" -w "${nl}WARDEN_STATUS:%{http_code}$nl" \
    -H 'content-type: application/json' -H @/dev/fd/3 --data-binary @- "$endpoint" 3<<HDR 2>&1
authorization: Bearer $WARDEN_TOKEN
HDR
)
elif [ -f "$header" ] && [ -O "$header" ] && [ -s "$header" ]; then
  out=$(printf '%s' "$input" | curl -q -sS --fail-with-body --max-time "$timeout" -w "${nl}WARDEN_STATUS:%{http_code}$nl" \
    -H 'content-type: application/json' -H @"$header" --data-binary @- "$endpoint" 2>&1)
else
  node_hook "$@"
fi
# The status line curl appends last; a body cannot forge it (the last marker wins).
status=${out##*WARDEN_STATUS:}
status=${status%%"$nl"*}
body=${out%"${nl}WARDEN_STATUS:"*}
[ "$body" = "$out" ] && status=
body=${body%"$nl"}
case $status in
  200)
    [ -n "$body" ] && printf '%s\n' "$body"
    exit 0 ;;
  401) node_hook "$@" ;;
  000|'') unreachable "Warden at $url is unreachable (${body:-no answer})" ;;
  5*) unreachable "Warden at $url failed (status $status): $body" ;;
  *)
    echo "Warden hook: Warden refused the decision request (status $status): $body" >&2
    exit 2 ;;
esac
