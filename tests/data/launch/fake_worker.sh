#!/usr/bin/env bash
# A stand-in for an rfdetr-train worker, driven by FAKE_MODE, for the launcher tests.
set -u
rank=${RANK:-?}
[ -n "${PID_DIR:-}" ] && echo $$ > "$PID_DIR/worker$rank.pid"
case "${FAKE_MODE:-ok}" in
  ok)
    echo "{\"v\":1,\"type\":\"hello\",\"rank\":$rank,\"world\":$WORLD_SIZE}"
    echo "{\"v\":1,\"type\":\"step\",\"rank\":$rank,\"step\":1}"
    echo "rank $rank on $MASTER_ADDR:$MASTER_PORT local $LOCAL_RANK/$LOCAL_WORLD_SIZE cuda=${CUDA_VISIBLE_DEVICES:-none}" >&2
    exit 0 ;;
  fail)
    if [ "$rank" = "1" ]; then
      sleep 0.3
      echo "loading shard 1" >&2
      echo "RuntimeError: CUDA error: an illegal memory access was encountered" >&2
      echo "{\"v\":1,\"type\":\"error\",\"rank\":1,\"message\":\"illegal memory access\"}"
      exit 3
    fi
    sleep 60 ;;
  stubborn)
    trap '' TERM
    [ "$rank" = "1" ] && { sleep 0.3; exit 4; }
    for _ in $(seq 600); do sleep 0.1; done ;;
  stop)
    trap 'echo "{\"v\":1,\"type\":\"done\",\"status\":\"stopped\",\"exit_code\":0,\"rank\":'$rank'}"; exit 0' TERM INT
    while read -r line; do
      case "$line" in
        *'"stop"'*) echo "{\"v\":1,\"type\":\"done\",\"status\":\"stopped\",\"exit_code\":0}"; echo "rank $rank stopped" >&2; exit 0 ;;
      esac
    done
    exit 9 ;;
  sleep)
    sleep 60 ;;
esac
