#!/usr/bin/env bash
# Inspects this Linux host for running shardis and prints what it would change and why.
# It only reads, unless called with --apply, which applies the sysctl and THP changes it
# recommends (as root). It never touches IRQ affinity or CPU isolation: those need a
# decision about which cores the shards own, so it prints the commands instead.
#
#   bash tuning/inspect.sh            # report
#   sudo bash tuning/inspect.sh --apply
set -u

APPLY=0
[ "${1:-}" = "--apply" ] && APPLY=1
CHANGES=0

say() { printf '%s\n' "$*"; }
ok() { printf '  ok     %s\n' "$*"; }
fix() {
  # fix <what> <why> <command>
  printf '  change %s\n         why: %s\n         how: %s\n' "$1" "$2" "$3"
  CHANGES=$((CHANGES + 1))
  if [ "$APPLY" = 1 ]; then
    if bash -c "$3"; then printf '         applied\n'; else printf '         FAILED to apply\n'; fi
  fi
}

read_sysctl() { sysctl -n "$1" 2>/dev/null || echo "?"; }

say "shardis host inspection ($(uname -sr), $(nproc) CPUs online)"

say "CPUs and shards"
cpus=$(nproc)
ok "shardis starts one shard per available core by default ($cpus here); set 'shards' lower to leave cores to other processes (e.g. a benchmark client on the same host)"
if [ -r /sys/devices/system/node/online ]; then
  nodes=$(cat /sys/devices/system/node/online)
  if [ "$nodes" != "0" ]; then
    say "  note   NUMA nodes $nodes: shards are pinned to CPUs 0..N-1 in order; memory is allocated by the shard's thread, so it stays local to the node of that CPU"
  else
    ok "single NUMA node"
  fi
fi
isolated=$(cat /sys/devices/system/cpu/isolated 2>/dev/null)
if [ -n "$isolated" ]; then ok "isolated CPUs: $isolated"; else say "  note   no isolated CPUs (isolcpus/nohz_full): shard threads share their cores with everything else"; fi

say "Network"
somaxconn=$(read_sysctl net.core.somaxconn)
if [ "$somaxconn" != "?" ] && [ "$somaxconn" -lt 4096 ]; then
  fix "net.core.somaxconn $somaxconn -> 4096" "the accept backlog caps bursts of new connections; Redis warns below its tcp-backlog (511)" "sysctl -w net.core.somaxconn=4096"
else ok "net.core.somaxconn = $somaxconn"; fi
synbacklog=$(read_sysctl net.ipv4.tcp_max_syn_backlog)
if [ "$synbacklog" != "?" ] && [ "$synbacklog" -lt 4096 ]; then
  fix "net.ipv4.tcp_max_syn_backlog $synbacklog -> 4096" "half-open connections beyond it are dropped during connection storms" "sysctl -w net.ipv4.tcp_max_syn_backlog=4096"
else ok "net.ipv4.tcp_max_syn_backlog = $synbacklog"; fi
if grep -q . /proc/interrupts 2>/dev/null; then
  nic_irqs=$(grep -E 'virtio[0-9]+-(input|output)|eth|ens|enp|mlx|ixgbe|i40e' /proc/interrupts | awk -F: '{print $1}' | tr -d ' ' | tr '\n' ' ')
  if [ -n "$nic_irqs" ]; then
    say "  note   NIC interrupts: $nic_irqs"
    for irq in $nic_irqs; do
      aff=$(cat /proc/irq/"$irq"/smp_affinity_list 2>/dev/null || echo "?")
      say "         irq $irq -> CPUs $aff"
    done
    say "         to keep shard cores free of NIC interrupts, steer them to a core without a shard, e.g.:"
    say "         echo <cpu> | sudo tee /proc/irq/<irq>/smp_affinity_list   (and stop irqbalance)"
  fi
fi

say "Memory"
thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null | sed -n 's/.*\[\(.*\)\].*/\1/p')
if [ "$thp" = "always" ]; then
  fix "transparent_hugepage always -> madvise" "with 'always' the kernel may back small allocations with 2 MiB pages: more RSS per key and latency spikes from compaction (Redis warns about it too)" "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled"
else ok "transparent_hugepage = ${thp:-unknown}"; fi
overcommit=$(read_sysctl vm.overcommit_memory)
ok "vm.overcommit_memory = $overcommit (shardis never forks for snapshots, so Redis's advice to set 1 does not apply; 0 is fine)"
swappiness=$(read_sysctl vm.swappiness)
ok "vm.swappiness = $swappiness (an in-memory store should not swap; consider 1 if swap is enabled)"

say "Limits"
memlock=$(ulimit -l)
if [ "$memlock" != "unlimited" ] && [ "$memlock" -lt 512 ]; then
  fix "memlock limit ${memlock} KiB -> at least 512 KiB per process" "glommio's io_uring rings are locked memory; below 512 KiB shards fail to start (MemLockLimit)" "echo 'raise it in /etc/security/limits.conf (memlock) or the service unit (LimitMEMLOCK=)'; false"
else ok "memlock = $memlock KiB (enough for io_uring rings)"; fi
nofile=$(ulimit -n)
if [ "$nofile" != "unlimited" ] && [ "$nofile" -lt 10032 ]; then
  fix "open files $nofile -> 10032" "maxclients (10000) plus the server's own descriptors" "echo 'raise it with ulimit -n / LimitNOFILE='; false"
else ok "open files = $nofile"; fi

say ""
if [ "$CHANGES" = 0 ]; then say "Nothing to change."; elif [ "$APPLY" = 0 ]; then say "$CHANGES change(s) suggested; run with --apply (as root) to apply the sysctl/THP ones."; fi
