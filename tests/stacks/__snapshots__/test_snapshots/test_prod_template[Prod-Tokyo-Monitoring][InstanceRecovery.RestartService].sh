systemctl restart {{ ServiceUnit }}
sleep 5
systemctl is-active {{ ServiceUnit }}
