echo '=== uptime ==='; uptime
echo '=== top ==='; top -b -n 1 | head -n 25
echo '=== processes by cpu ==='
ps -eo pid,user,%cpu,%mem,rss,etime,comm --sort=-%cpu | head -n 15
echo '=== processes by memory ==='
ps -eo pid,user,%mem,rss,comm --sort=-%mem | head -n 10
echo '=== memory ==='; free -m
echo '=== disk ==='; df -h -x tmpfs -x devtmpfs
echo '=== unit ==='
systemctl status {{ ServiceUnit }} --no-pager -l | head -n 20 || true
echo '=== journal ==='
journalctl -u {{ ServiceUnit }} -n 30 --no-pager || true
