#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft) from Maven Central jars; no Docker needed. See README.md.
#
#   kafka.sh start [--fresh]   start (or find) the broker; prints KAFKA_BROKERS=127.0.0.1:<port> on stdout
#   kafka.sh stop              stop it (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds)
#   kafka.sh start --lease PID / release PID [--keep]
#                              for test runs: a broker that test runs started stops when the last lease goes
#   kafka.sh status            exit 0 and print KAFKA_BROKERS=... when running, exit 1 otherwise
#   kafka.sh logs [tail args]  follow the broker log
#   kafka.sh perf [args]       org.apache.kafka.tools.ProducerPerformance against the running broker
#   kafka.sh run CLASS [args]  any Kafka tool class with the broker's jars (console producer/consumer, topics...)
#
# Only the KAFKA_BROKERS line goes to stdout; progress and errors go to stderr.
set -euo pipefail

KAFKA_VERSION=3.9.1 # keep in step with kafka.version in pom.xml

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
STATE_DIR=${KAFKA_HOME_DIR:-$REPO_ROOT/.kafka}
# Ports: KAFKA_PORT / KAFKA_CONTROLLER_PORT when set (then they must be free); otherwise 19092/19093, or the next free
# pair above them when another process holds either (see pick_ports).
PORT=${KAFKA_PORT:-19092}
CPORT=${KAFKA_CONTROLLER_PORT:-19093}
PORTS_CHOSEN=$([[ -n ${KAFKA_PORT:-} || -n ${KAFKA_CONTROLLER_PORT:-} ]] && echo 1 || echo 0)
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512m}

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
  printf 'kafka.sh: error: %s\n' "$*" >&2
  exit 1
}

[[ $PORT =~ ^[0-9]+$ && $CPORT =~ ^[0-9]+$ ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must be port numbers"
[[ $PORT != "$CPORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
[[ -n $STATE_DIR ]] || die "KAFKA_HOME_DIR is empty"
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)

LIB_DIR=$STATE_DIR/lib
LIB_MARKER=$LIB_DIR/.fetched-$KAFKA_VERSION
CONF_DIR=$STATE_DIR/config
DATA_DIR=$STATE_DIR/data
LOG_DIR=$STATE_DIR/logs
PID_FILE=$STATE_DIR/kafka.pid
ADDR_FILE=$STATE_DIR/kafka.address
LOCK_FILE=$STATE_DIR/kafka.lock
SERVER_PROPS=$CONF_DIR/server.properties
# Test runs hold a lease (a file named after their pid) while they use the broker. A broker that a test run
# started (TEST_MARKER) stops when the last lease is released; one that a person started keeps running.
LEASE_DIR=$STATE_DIR/leases
TEST_MARKER=$STATE_DIR/started-by-tests

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH (Kafka $KAFKA_VERSION needs Java 11+, 17 recommended)"
}

# Takes the state folder's lock (fd 9) so that concurrent start/stop calls run one after the other.
# Every process started while holding it must close fd 9 (9>&-), or it would hold the lock forever.
lock() {
  command -v flock >/dev/null 2>&1 || die "flock not found on PATH (Debian: util-linux)"
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    log "another kafka.sh holds $LOCK_FILE; waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock $LOCK_FILE"
  fi
}

port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null 9>&-; }

# A live process (zombies count as dead: kill -0 succeeds on them).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    local stat
    stat=$(<"/proc/$1/stat") || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]] || return 1
  fi
}

# Prints the pid of the broker of this state folder, if it runs (guards against a recycled pid).
broker_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid cmd
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  else
    cmd=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  fi
  [[ $cmd == *kafka.Kafka*"$SERVER_PROPS"* ]] || return 1
  echo "$pid"
}

running_address() {
  if [[ -f $ADDR_FILE ]]; then cat "$ADDR_FILE"; else echo "127.0.0.1:$PORT"; fi
}

print_brokers() { printf 'KAFKA_BROKERS=%s\n' "$1"; }

fetch_jars() {
  [[ -f $LIB_MARKER ]] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven 3) not found on PATH: needed once to fetch the Kafka jars from Maven Central"
  local m2=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository} tmp=$STATE_DIR/lib.partial started=$SECONDS before now n=0
  mkdir -p "$m2"
  before=$(du -sm "$m2" 2>/dev/null | cut -f1) || before=0
  log "fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only: ~70 MB into $m2, of which the 63 broker jars, ~47 MB, are copied to $LIB_DIR)"
  rm -rf "$tmp"
  # Maven 3.8 prints colour resets even with -q and no terminal: strip them (pipefail keeps mvn's exit status).
  {
    mvn -q -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" -Dmaven.repo.local="$m2" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime </dev/null 2>&1 |
      sed $'s/\x1b\\[[0-9;]*m//g'
  } >&2 9>&- &
  local mvn_pid=$!
  while alive "$mvn_pid"; do
    sleep 1
    n=$((n + 1))
    if ((n % 10 == 0)); then
      now=$(du -sm "$m2" 2>/dev/null | cut -f1) || now=$before
      log "  ... still fetching: $((SECONDS - started)) s, ~$((now - before)) MB downloaded so far"
    fi
  done
  wait "$mvn_pid" || die "mvn could not fetch the Kafka jars (is Maven Central reachable? try: mvn -f $SCRIPT_DIR/pom.xml dependency:copy-dependencies)"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  touch "$LIB_MARKER"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l | tr -d ' ') jars in $((SECONDS - started)) s"
}

write_config() {
  mkdir -p "$CONF_DIR" "$LOG_DIR"
  cat >"$SERVER_PROPS" <<EOF
# Written by deploy/kafka/kafka.sh on every start: change the script, not this file.
# A single-node KRaft broker on loopback for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One broker: every internal topic has one replica, or consumers hang on "group coordinator not available".
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Tests create topics freely and join groups without waiting.
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
group.initial.rebalance.delay.ms=0

# Keep the disk small: a day of data, small segments.
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$CONF_DIR/log4j.properties" <<'EOF'
# Written by deploy/kafka/kafka.sh. Broker log: ${kafka.logs.dir}/server.log
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
  cat >"$CONF_DIR/tools-log4j.properties" <<'EOF'
# Written by deploy/kafka/kafka.sh. Command-line tools log warnings to stderr.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

run_tool() {
  java -Xmx256m -cp "$LIB_DIR/*" -Dlog4j.configuration="file:$CONF_DIR/tools-log4j.properties" "$@"
}

format_storage() {
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  local cluster_id
  cluster_id=$(run_tool kafka.tools.StorageTool random-uuid 9>&-)
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" >&2 9>&-
}

# Sends SIGTERM, waits, then SIGKILL; removes the pid file.
stop_pid() {
  local pid=$1 waited=0 total=0
  log "stopping the broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && ((waited < STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  total=$waited
  if alive "$pid"; then
    log "the broker did not stop within ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while alive "$pid" && ((waited < 100)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    total=$((total + waited))
  fi
  alive "$pid" && die "could not stop pid $pid"
  rm -f "$PID_FILE"
  log "stopped after $((total / 10)).$((total % 10)) s"
}

launch() {
  [[ -f $LOG_DIR/server.log ]] && mv -f "$LOG_DIR/server.log" "$LOG_DIR/server.log.prev"
  rm -f "$PID_FILE"
  printf '127.0.0.1:%s\n' "$PORT" >"$ADDR_FILE"
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  # The inner shell writes its own pid, then becomes java: the pid file names the broker itself.
  # shellcheck disable=SC2086 # HEAP_OPTS and KAFKA_JAVA_OPTS are word lists
  nohup "${detach[@]}" bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-broker "$PID_FILE" \
    java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j.configuration="file:$CONF_DIR/log4j.properties" ${KAFKA_JAVA_OPTS:-} \
    -cp "$LIB_DIR/*" kafka.Kafka "$SERVER_PROPS" </dev/null >"$LOG_DIR/kafka.out" 2>&1 9>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $PID_FILE ]] && break
    sleep 0.05
  done
  [[ -s $PID_FILE ]] || die "the broker process did not start (see $LOG_DIR/kafka.out)"
}

wait_ready() {
  local pid started=$SECONDS
  pid=$(<"$PID_FILE")
  log "waiting for the broker (pid $pid) on 127.0.0.1:$PORT (up to ${START_TIMEOUT} s)"
  while :; do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      # another process took one of the ports between pick_ports and the bind (two runs starting at once)
      if grep -qs 'Address already in use' "$LOG_DIR/kafka.out" "$LOG_DIR/server.log"; then
        log "port $PORT or $CPORT was taken by another process while the broker started"
        return 1
      fi
      log "the broker exited during start; last lines of its output:"
      tail -n 25 "$LOG_DIR/kafka.out" "$LOG_DIR/server.log" >&2 2>/dev/null || true
      die "Kafka did not start (logs in $LOG_DIR)"
    fi
    if grep -q 'Kafka Server started' "$LOG_DIR/server.log" 2>/dev/null && port_open "$PORT"; then
      log "the broker answers after $((SECONDS - started)) s"
      return 0
    fi
    if ((SECONDS - started >= START_TIMEOUT)); then
      log "no answer within ${START_TIMEOUT} s; last lines of its log:"
      tail -n 25 "$LOG_DIR/server.log" >&2 2>/dev/null || true
      stop_pid "$pid"
      die "Kafka did not start within ${START_TIMEOUT} s (logs in $LOG_DIR; raise KAFKA_START_TIMEOUT?)"
    fi
    sleep 0.25
  done
}

# Records who uses the broker: a test run's lease, or a person (who then owns it: no automatic stop).
claim() {
  local lease=$1
  if [[ -n $lease ]]; then
    mkdir -p "$LEASE_DIR"
    : >"$LEASE_DIR/$lease"
  else
    rm -f "$TEST_MARKER"
  fi
}

# Drops leases whose process has ended (a test run that crashed); prints how many remain.
live_leases() {
  local file n=0
  for file in "$LEASE_DIR"/*; do
    [[ -e $file ]] || continue
    if alive "${file##*/}"; then n=$((n + 1)); else rm -f "$file"; fi
  done
  echo "$n"
}

# Chooses the listener and controller ports. Ports the user set must be free (the error names both variables);
# the defaults move up in steps of two until both are free, so that a port taken by something else does not stop
# a test run. The chosen address is written to kafka.address and printed as KAFKA_BROKERS.
pick_ports() {
  local tries=0
  if ((PORTS_CHOSEN)); then
    if port_open "$PORT" || port_open "$CPORT"; then
      die "port $PORT (KAFKA_PORT) or $CPORT (KAFKA_CONTROLLER_PORT) is in use by another process: set both KAFKA_PORT and KAFKA_CONTROLLER_PORT to free ports, or unset them to let kafka.sh pick free ones"
    fi
    return 0
  fi
  while port_open "$PORT" || port_open "$CPORT"; do
    tries=$((tries + 1))
    ((tries <= 50)) || die "no free port pair found between 19092 and $PORT: set KAFKA_PORT and KAFKA_CONTROLLER_PORT"
    PORT=$((PORT + 2))
    CPORT=$((CPORT + 2))
  done
  ((tries == 0)) || log "ports 19092/19093 are taken by another process: using $PORT/$CPORT instead"
}

cmd_start() {
  local fresh=0 lease='' pid addr i
  while (($# > 0)); do
    case $1 in
    --fresh) fresh=1 ;;
    --lease)
      lease=${2:-}
      [[ $lease =~ ^[0-9]+$ ]] || die "start --lease needs the pid of the test run"
      shift
      ;;
    *) die "start: unknown option $1 (--fresh, --lease PID)" ;;
    esac
    shift
  done
  require_java
  lock
  if pid=$(broker_pid); then
    addr=$(running_address)
    if ((fresh)); then
      stop_pid "$pid"
    else
      for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        if port_open "${addr##*:}"; then
          [[ $addr == "127.0.0.1:$PORT" ]] || log "note: the running broker listens on $addr, not on port $PORT"
          log "already running (pid $pid) at $addr"
          claim "$lease"
          print_brokers "$addr"
          return 0
        fi
        alive "$pid" || break
        sleep 0.5
      done
      die "the broker (pid $pid) runs but does not answer on $addr; try: $0 stop"
    fi
  fi
  rm -f "$PID_FILE"
  pick_ports
  local t0=$SECONDS
  fetch_jars
  write_config
  if ((fresh)); then
    log "--fresh: wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
  fi
  format_storage
  log "starting Kafka $KAFKA_VERSION (state in $STATE_DIR)"
  local attempt
  for attempt in 1 2 3 4 5; do
    launch
    wait_ready && break
    # ports the user set are theirs to fix; ports kafka.sh chose move on to the next free pair
    ((PORTS_CHOSEN == 0 && attempt < 5)) || die "Kafka could not bind 127.0.0.1:$PORT / $CPORT (logs in $LOG_DIR)"
    PORT=$((PORT + 2))
    CPORT=$((CPORT + 2))
    pick_ports
    write_config
    log "retrying on $PORT/$CPORT"
  done
  log "started in $((SECONDS - t0)) s; stop it with: $0 stop"
  if [[ -n $lease ]]; then touch "$TEST_MARKER"; fi
  claim "$lease"
  print_brokers "127.0.0.1:$PORT"
}

cmd_release() {
  local lease=${1:-} keep=0 pid n
  [[ $lease =~ ^[0-9]+$ ]] || die "release needs the pid given to start --lease"
  [[ ${2:-} == --keep ]] && keep=1
  lock
  rm -f "$LEASE_DIR/$lease"
  if ((keep)); then
    rm -f "$TEST_MARKER"
    log "lease $lease released; --keep: the broker keeps running"
    return 0
  fi
  pid=$(broker_pid) || {
    log "not running"
    return 0
  }
  n=$(live_leases)
  if ((n > 0)); then
    log "lease $lease released; $n other test run(s) still use the broker"
  elif [[ -f $TEST_MARKER ]]; then
    log "lease $lease released; the last test run is done: stopping the broker it started"
    stop_pid "$pid"
    rm -f "$TEST_MARKER"
  else
    log "lease $lease released; the broker was started by hand: it keeps running"
  fi
}

cmd_stop() {
  lock
  local pid
  if pid=$(broker_pid); then
    stop_pid "$pid"
  else
    rm -f "$PID_FILE"
    log "not running"
  fi
  rm -rf "$LEASE_DIR" "$TEST_MARKER"
}

cmd_status() {
  local pid addr
  if pid=$(broker_pid); then
    addr=$(running_address)
    if port_open "${addr##*:}"; then
      log "running (pid $pid) at $addr"
      print_brokers "$addr"
      return 0
    fi
    log "the process runs (pid $pid) but does not answer on $addr"
    return 1
  fi
  log "not running"
  return 1
}

cmd_logs() {
  [[ -f $LOG_DIR/server.log ]] || die "no log yet ($LOG_DIR/server.log)"
  if (($# > 0)); then exec tail "$@" "$LOG_DIR/server.log"; fi
  exec tail -n 200 -F "$LOG_DIR/server.log"
}

require_running() {
  require_java
  [[ -f $LIB_MARKER ]] || die "the Kafka jars are not fetched yet; run: $0 start"
  local addr
  broker_pid >/dev/null && addr=$(running_address) && port_open "${addr##*:}" || die "the broker is not running; run: $0 start"
  echo "$addr"
}

cmd_perf() {
  local addr args=() arg has_props=0
  addr=$(require_running)
  if (($# == 0)); then
    set -- --topic perf-test --num-records 1000000 --record-size 1000 --throughput -1 --producer-props acks=all
    log "no arguments: running ProducerPerformance $*"
  fi
  # Point the producer at the running broker unless the arguments already name bootstrap.servers.
  if [[ " $* " == *bootstrap.servers=* || " $* " == *" --producer.config "* ]]; then
    args=("$@")
  else
    for arg in "$@"; do
      args+=("$arg")
      if [[ $arg == --producer-props ]]; then
        args+=("bootstrap.servers=$addr")
        has_props=1
      fi
    done
    ((has_props)) || args+=(--producer-props "bootstrap.servers=$addr")
  fi
  run_tool org.apache.kafka.tools.ProducerPerformance "${args[@]}"
}

cmd_run() {
  (($# > 0)) || die "run: give a main class, e.g. $0 run org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$PORT --list"
  require_java
  [[ -f $LIB_MARKER ]] || die "the Kafka jars are not fetched yet; run: $0 start"
  run_tool "$@"
}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop ;;
release) cmd_release "$@" ;;
status) cmd_status ;;
logs) cmd_logs "$@" ;;
perf) cmd_perf "$@" ;;
run) cmd_run "$@" ;;
-h | --help | help) usage ;;
*)
  usage
  exit 2
  ;;
esac
