# shellcheck shell=bash
# Sourced by bench/run, bench/callgrind and pgo/train: loopback ports for the processes they start.

# A TCP port free on 127.0.0.1 now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to 20 s (valgrind starts slowly) for something to listen on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 400); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): nothing listening on $1" >&2
  return 1
}
