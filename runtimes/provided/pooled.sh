# Runs in a prewarmed custom runtime's sandbox, after relay.sh has started serving
# AWS_LAMBDA_RUNTIME_API (POSIX sh, builtins only until the last line).
# Says it is ready, then reads its assignment from stdin to its end: a script the platform
# wrote that sets `nimbus_aws` (the socket of Nimbus's own AWS endpoint, or empty) and the
# command to become (`set -- /usr/bin/env -i NAME=VALUE... BOOTSTRAP`, so the bootstrap
# gets exactly the function's environment). The function's code is at /var/task by then.
#
# Usage: sh pooled.sh <socat>
relay=$1
printf '\000NIMBUS-POOLED\n'
script=
while IFS= read -r line || [ -n "$line" ]; do
  script="$script$line
"
done
nimbus_aws=
set --
eval "$script"
if [ $# -eq 0 ]; then
  echo "nimbus: the prewarmed sandbox got no assignment"
  exit 70
fi
# Nimbus's own AWS endpoint (AWS_ENDPOINT_URL, 127.0.0.1:9000), relayed to its socket.
if [ -n "$nimbus_aws" ]; then
  "$relay" -lp nimbus-aws "TCP-LISTEN:9000,bind=127.0.0.1,reuseaddr,fork,backlog=64" \
    "UNIX-CONNECT:$nimbus_aws" &
fi
# The code was mounted over /var/task after this shell entered it: enter it again.
cd /var/task || exit 70
exec "$@"
