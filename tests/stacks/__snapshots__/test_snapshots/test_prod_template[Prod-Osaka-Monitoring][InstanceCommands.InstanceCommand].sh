unit='{{ ServiceUnit }}'
url='http://127.0.0.1:{{ HealthCheckPort }}{{ HealthCheckPath }}'
retries='{{ RetryCount }}'
case '{{ Action }}' in
Diagnostics)
  echo '== uptime'; uptime
  echo '== top'; top -b -n 1 | head -n 30
  echo '== processes by cpu'; ps -eo pid,ppid,user,%cpu,%mem,etime,comm --sort=-%cpu | head -n 15
  echo '== processes by memory'; ps -eo pid,ppid,user,%cpu,%mem,rss,comm --sort=-%mem | head -n 15
  echo '== memory'; free -m
  echo '== disk'; df -h -x tmpfs -x devtmpfs
  echo "== unit $unit"; systemctl status --no-pager -l -- "$unit" | head -n 20 || true
  echo "== journal $unit"; journalctl --no-pager -n 30 -u "$unit" || true
  exit 0
  ;;
RestartService)
  state=fail
  rounds=$((retries + 1))
  for round in $(seq 1 "$rounds"); do
    systemctl restart -- "$unit"
    echo "AUTOHEAL_RESTART_RC=$?"
    for probe in $(seq 1 10); do
      if curl -fsS -m 3 -o /dev/null "$url"; then state=ok; break 2; fi
      sleep 3
    done
    echo "round $round of $rounds: $url did not answer"
  done
  echo "AUTOHEAL_HEALTH=$state"
  awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END {if (t > 0) printf "AUTOHEAL_MEM_USED_PERCENT=%.1f\n", (t-a)*100/t}' /proc/meminfo
  [ "$state" = ok ]
  ;;
esac
