retries={{ RetryCount }}
if [ "$retries" -gt 5 ]; then retries=5; fi
if [ "$retries" -lt 0 ]; then retries=0; fi
attempts=$((retries + 1))
for attempt in $(seq 1 "$attempts"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 'http://127.0.0.1:{{ HealthCheckPort }}{{ HealthCheckPath }}' || true)
  if [ "$code" = "200" ]; then
    echo "HEALTH_CHECK_PASSED attempt=$attempt"; exit 0
  fi
  echo "attempt $attempt/$attempts: HTTP $code"
  if [ "$attempt" -lt "$attempts" ]; then
    systemctl restart {{ ServiceUnit }}; sleep 15
  fi
done
echo "HEALTH_CHECK_FAILED"
