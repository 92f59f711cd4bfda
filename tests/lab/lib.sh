# shellcheck shell=bash disable=SC2034
# Shared definitions of the Tug test lab (sourced by up, down, status, smoke).
# Everything here is about the lab's own containers, network and files; nothing else is touched.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_STATE=${TUG_LAB_STATE:-$LAB_DIR/.state}          # keys, CA, passwords, logs of this clone
LAB_CACHE=${TUG_LAB_CACHE:-/var/cache/tug-lab}       # server rootfs tarballs, kept across runs and clones
LAB_ENV_FILE=$LAB_DIR/env                            # written by `up`, removed by `down`
LAB_LOCK=/run/lock/tug-lab.lock                      # one `up`/`down` at a time on this machine
LAB_DOCKERD_LOG=/var/log/tug-lab/dockerd.log

# The project's own test hosts: a Docker bridge network in this machine's sandbox.
LAB_NETWORK=tug-lab
LAB_SUBNET_PREFIX=172.31.250
LAB_SUBNET=$LAB_SUBNET_PREFIX.0/24
LAB_GATEWAY=$LAB_SUBNET_PREFIX.1
LAB_IP_RANGE=$LAB_SUBNET_PREFIX.192/26              # for containers attached without a fixed --ip
LAB_REGISTRY_NAME=tug-lab-registry
LAB_REGISTRY_IP=$LAB_SUBNET_PREFIX.2
LAB_REGISTRY_PORT=5000
LAB_REGISTRY=$LAB_REGISTRY_IP:$LAB_REGISTRY_PORT
LAB_REGISTRY_USER=tug
LAB_SERVERS=${TUG_LAB_SERVER_COUNT:-3}             # s1..sN at .11, .12, ... (at most 40)

# The server image recipe. Its hash names the image, so a changed recipe builds a new one.
LAB_SUITE=bookworm
LAB_INCLUDE=openssh-server,docker.io,iproute2,ca-certificates,curl,sqlite3,docker-registry
LAB_RECIPE_VERSION=1

lab_server_name() { echo "tug-lab-s$1"; }
lab_server_ip() { echo "$LAB_SUBNET_PREFIX.$((10 + $1))"; }

lab_log() { printf 'tug-lab: %s\n' "$*" >&2; }
lab_die() { printf 'tug-lab: error: %s\n' "$*" >&2; exit 1; }

# lab_wait SECONDS WHAT CMD...: run CMD until it succeeds; give up after SECONDS with a message.
lab_wait() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      lab_die "timed out after ${secs}s waiting for $what"
    fi
    sleep 0.5
  done
}

# The apt mirror this machine is configured with (debootstrap uses the same one).
lab_mirror() {
  local uri=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z $uri && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# Hash of everything that goes into the server image (not the mirror: same packages either way).
lab_recipe_hash() {
  {
    echo "v$LAB_RECIPE_VERSION $LAB_SUITE minbase $LAB_INCLUDE"
    cat "$LAB_DIR/image/"*
  } | sha256sum | cut -c1-12
}
lab_image() { echo "tug-lab-server:$(lab_recipe_hash)"; }

# The host's own dockerd (not the servers' engines, which show in the host's process list too).
lab_host_dockerd_pid() {
  local p self; self=$(readlink /proc/self/ns/pid)
  for p in $(pgrep -x dockerd); do
    [[ $(readlink "/proc/$p/ns/pid" 2>/dev/null) == "$self" ]] && { echo "$p"; return 0; }
  done
  return 1
}

lab_docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

# ssh into a lab server by name with the lab's own config, key and pinned host keys.
lab_ssh() { ssh -F "$LAB_STATE/ssh_config" "$@"; }

lab_registry_password() { cat "$LAB_STATE/registry/password"; }

# Does the registry answer over TLS (verified against the lab CA) to the lab's credentials?
lab_registry_ok() {
  [[ -f $LAB_STATE/ca/ca.crt && -f $LAB_STATE/registry/password ]] || return 1
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$LAB_STATE/ca/ca.crt" \
    -u "$LAB_REGISTRY_USER:$(lab_registry_password)" "https://$LAB_REGISTRY/v2/" 2>/dev/null) || return 1
  [[ $code == 200 ]]
}
