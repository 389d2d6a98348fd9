# Runs inside a custom runtime's sandbox, before the function's bootstrap (POSIX sh).
# Serves the Runtime API at 127.0.0.1:9001 (AWS_LAMBDA_RUNTIME_API) in the sandbox's
# own network namespace by relaying each connection to this instance's Unix socket
# ($NIMBUS_RUNTIME_SOCKET), waits until the port listens, then becomes the bootstrap.
# The relay dies with the sandbox: it is in the sandbox's pid namespace and cgroup.
#
# Usage: sh relay.sh <socat> <bootstrap> [args...]
relay=$1
shift

# Already served (a function with extensions: the sandbox's entry process started the
# relay before the extensions and this bootstrap): just become the bootstrap.
served=
while read -r _ local _ state _; do
  if [ "$local" = 0100007F:2329 ] && [ "$state" = 0A ]; then served=1; break; fi
done </proc/net/tcp
if [ -n "$served" ]; then exec "$@"; fi

# Nimbus's own AWS endpoint (AWS_ENDPOINT_URL, 127.0.0.1:9000), relayed to its socket.
if [ -n "$NIMBUS_AWS_SOCKET" ]; then
  "$relay" -lp nimbus-aws "TCP-LISTEN:9000,bind=127.0.0.1,reuseaddr,fork,backlog=64" \
    "UNIX-CONNECT:$NIMBUS_AWS_SOCKET" &
fi

"$relay" -lp nimbus-relay "TCP-LISTEN:9001,bind=127.0.0.1,reuseaddr,fork,backlog=64" \
  "UNIX-CONNECT:$NIMBUS_RUNTIME_SOCKET" &
relay_pid=$!

# /proc/net/tcp lists this namespace's TCP sockets: 0100007F:2329 is 127.0.0.1:9001 and
# state 0A is LISTEN. Read with builtins only; the first tries do not sleep (socat is up
# in a few milliseconds), later ones do, up to about 5 s in all.
tries=0
while :; do
  while read -r _ local _ state _; do
    if [ "$local" = 0100007F:2329 ] && [ "$state" = 0A ]; then break 2; fi
  done </proc/net/tcp
  if ! kill -0 "$relay_pid" 2>/dev/null; then
    echo "nimbus: the Runtime API relay ($relay) stopped before it listened on 127.0.0.1:9001"
    exit 70
  fi
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ]; then
    echo "nimbus: the Runtime API relay ($relay) did not listen on 127.0.0.1:9001 in time"
    exit 70
  fi
  if [ "$tries" -gt 100 ]; then sleep 0.01; fi
done
exec "$@"
