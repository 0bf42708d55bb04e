# Shell helpers shared by hack/cluster.sh and hack/demo.sh; source it.

# stop_pidfile FILE NAME: stops the background process recorded in FILE, if it still is NAME
# (pids get reused), politely first and by force after ten seconds, and removes FILE.
stop_pidfile() {
	local file=$1 name=$2 pid
	[[ -f "$file" ]] || return 0
	pid=$(<"$file")
	if [[ -n "$pid" ]] && grep -qa "$name" "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}
