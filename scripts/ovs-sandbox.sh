# Sourced: a private Open vSwitch (ovsdb-server + ovs-vswitchd built with the
# ovsxdp provider) in a temporary directory, touching nothing of a system
# Open vSwitch install (its own run, log, db and config directories).
#   ovs_sandbox_start BIN_DIR SCHEMA   sets OVS_RUNDIR etc., PATH, ovs_sandbox
#   ovs_sandbox_stop                   stops both daemons (ovs-vswitchd with
#                                      exit --cleanup: its datapath goes too)
#   ovs_vswitchd_start / ovs_vswitchd_kill9
# BIN_DIR holds ovs-vswitchd, ovsdb-server, ovsdb-tool, ovs-vsctl, ovs-ofctl,
# ovs-appctl; SCHEMA is vswitch.ovsschema.

ovs_sandbox=
ovs_sandbox_start() {
  local bin=$1 schema=$2
  local d
  for d in ovs-vswitchd ovsdb-server ovsdb-tool ovs-vsctl ovs-ofctl ovs-appctl; do
    [[ -x $bin/$d ]] || { echo "ovs-sandbox: $bin/$d is missing: build Open vSwitch with the ovsxdp provider (scripts/build.sh)" >&2; return 1; }
  done
  [[ -f $schema ]] || { echo "ovs-sandbox: schema $schema is missing" >&2; return 1; }
  ovs_sandbox=$(mktemp -d /tmp/ovsxdp-ovs.XXXXXX)
  export OVS_RUNDIR=$ovs_sandbox OVS_LOGDIR=$ovs_sandbox OVS_DBDIR=$ovs_sandbox OVS_SYSCONFDIR=$ovs_sandbox
  export PATH=$bin:$PATH
  ovsdb-tool create "$ovs_sandbox/conf.db" "$schema"
  ovsdb-server --detach --no-chdir --pidfile --log-file -vconsole:emer --remote="punix:$ovs_sandbox/db.sock" "$ovs_sandbox/conf.db"
  export OVS_DB_SOCK=$ovs_sandbox/db.sock
  ovs-vsctl --no-wait init
  ovs_vswitchd_start
}

# --disable-system: the kernel datapath (openvswitch.ko) does not exist here.
ovs_vswitchd_start() {
  ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:emer --disable-system -vvconn -vofproto_dpif -vunixctl
  ovs-appctl -t ovs-vswitchd version >/dev/null
}

ovs_vswitchd_kill9() {
  local pid
  pid=$(cat "$ovs_sandbox/ovs-vswitchd.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$ovs_sandbox/ovs-vswitchd.pid" "$ovs_sandbox"/ovs-vswitchd.*.ctl
}

ovs_sandbox_stop() {
  [[ -n $ovs_sandbox && -d $ovs_sandbox ]] || return 0
  local t pid
  for t in ovs-vswitchd ovsdb-server; do
    [[ -f $ovs_sandbox/$t.pid ]] || continue
    pid=$(cat "$ovs_sandbox/$t.pid")
    if [[ $t == ovs-vswitchd ]]; then
      timeout 10 ovs-appctl -t "$ovs_sandbox/$t.$pid.ctl" exit --cleanup 2>/dev/null || kill "$pid" 2>/dev/null
    else
      timeout 10 ovs-appctl -t "$ovs_sandbox/$t.$pid.ctl" exit 2>/dev/null || kill "$pid" 2>/dev/null
    fi
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$ovs_sandbox"
  ovs_sandbox=
}
