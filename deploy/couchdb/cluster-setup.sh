#!/bin/sh
# Joins CouchDB nodes into one cluster through the /_cluster_setup API, then makes sure
# the system databases exist. Run once by docker-compose's couchdb-setup service when
# every node is healthy; safe to run again (a finished cluster is left alone).
#
# Environment:
#   COUCHDB_USER, COUCHDB_PASSWORD  admin credentials, the same on every node (required)
#   COORDINATOR                     host name of the node that drives the setup
#                                   (default couchdb-1.cluster)
#   MEMBERS                         space-separated host names of the other nodes
#                                   (default "couchdb-2.cluster couchdb-3.cluster")
#   COUCHDB_PORT                    HTTP port of every node (default 5984)
# Each host name must also be the node's NODENAME: the node joins as couchdb@HOST.
# Exit status: 0 when the cluster has every node and the system databases exist.
set -eu

: "${COUCHDB_USER:?COUCHDB_USER is required}"
: "${COUCHDB_PASSWORD:?COUCHDB_PASSWORD is required}"
COORDINATOR=${COORDINATOR:-couchdb-1.cluster}
MEMBERS=${MEMBERS:-"couchdb-2.cluster couchdb-3.cluster"}
PORT=${COUCHDB_PORT:-5984}
BASE="http://$COORDINATOR:$PORT"
NODE_COUNT=$(( $(echo "$MEMBERS" | wc -w) + 1 ))

# json_string quotes $1 as a JSON (and curl config) string.
json_string() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# The credentials go to curl through a config file, not the command line (ps).
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
umask 077
printf 'user = %s\n' "$(json_string "$COUCHDB_USER:$COUCHDB_PASSWORD")" >"$TMP/auth"
USER_JSON=$(json_string "$COUCHDB_USER")
PASSWORD_JSON=$(json_string "$COUCHDB_PASSWORD")

# call METHOD URL [BODY]: the response body goes to $TMP/body, the status to stdout.
call() {
	if [ $# -ge 3 ]; then
		curl -sS -K "$TMP/auth" -o "$TMP/body" -w '%{http_code}' -X "$1" \
			-H 'Content-Type: application/json' --data-binary "$3" "$2"
	else
		curl -sS -K "$TMP/auth" -o "$TMP/body" -w '%{http_code}' -X "$1" "$2"
	fi
}

# setup NAME BODY [ALREADY]: POSTs action NAME; a 400 whose reason holds ALREADY is fine.
setup() {
	status=$(call POST "$BASE/_cluster_setup" "$2") || status=000
	case $status in
	2??) return 0 ;;
	400) if [ -n "${3:-}" ] && grep -q "$3" "$TMP/body"; then return 0; fi ;;
	esac
	echo "cluster-setup: $1 failed: $status $(cat "$TMP/body" 2>/dev/null)" >&2
	exit 1
}

# members prints the coordinator's cluster_nodes list.
members() {
	call GET "$BASE/_membership" >/dev/null || true
	sed -n 's/.*"cluster_nodes":\[\([^]]*\)\].*/\1/p' "$TMP/body"
}

wait_up() {
	i=0
	until [ "$(call GET "http://$1:$PORT/_up" || true)" = 200 ]; do
		i=$((i + 1))
		if [ "$i" -ge 60 ]; then
			echo "cluster-setup: $1 is not up after 60 tries" >&2
			exit 1
		fi
		sleep 2
	done
}

for host in $COORDINATOR $MEMBERS; do wait_up "$host"; done

call GET "$BASE/_cluster_setup" >/dev/null || true
if grep -q cluster_finished "$TMP/body"; then
	echo "cluster-setup: cluster already finished"
else
	setup "enable_cluster on $COORDINATOR" "{\"action\":\"enable_cluster\",\"bind_address\":\"0.0.0.0\",\"username\":$USER_JSON,\"password\":$PASSWORD_JSON,\"node_count\":\"$NODE_COUNT\"}" "already enabled"
	for host in $MEMBERS; do
		if members | grep -q "\"couchdb@$host\""; then
			echo "cluster-setup: couchdb@$host already a member"
			continue
		fi
		setup "enable_cluster on $host" "{\"action\":\"enable_cluster\",\"bind_address\":\"0.0.0.0\",\"username\":$USER_JSON,\"password\":$PASSWORD_JSON,\"port\":$PORT,\"node_count\":\"$NODE_COUNT\",\"remote_node\":\"$host\",\"remote_current_user\":$USER_JSON,\"remote_current_password\":$PASSWORD_JSON}" "already enabled"
		setup "add_node $host" "{\"action\":\"add_node\",\"host\":\"$host\",\"port\":$PORT,\"username\":$USER_JSON,\"password\":$PASSWORD_JSON}"
		echo "cluster-setup: added couchdb@$host"
	done
	setup finish_cluster '{"action":"finish_cluster"}' "already finished"
	echo "cluster-setup: cluster finished"
fi

# finish_cluster creates them; a cluster finished by hand may lack some.
for db in _users _replicator; do
	status=$(call PUT "$BASE/$db") || status=000
	case $status in
	201 | 202 | 412) ;;
	*)
		echo "cluster-setup: PUT /$db: $status $(cat "$TMP/body")" >&2
		exit 1
		;;
	esac
done

nodes=$(members)
for host in $COORDINATOR $MEMBERS; do
	case $nodes in
	*"\"couchdb@$host\""*) ;;
	*)
		echo "cluster-setup: couchdb@$host is not in the cluster: [$nodes]" >&2
		exit 1
		;;
	esac
done
echo "cluster-setup: done: cluster_nodes [$nodes]"
