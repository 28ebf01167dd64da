#!/bin/sh
# Entry point of the wwan container (EVE's pkg/wwan/mm-init.sh, minus what mmagent-ts does itself).
# Runs as root with EVE's mounts: /run, /persist, /config, /dev, /lib/modules, net: host.
set -e

# 1. The modem drivers EVE loads (mm-init.sh step 1).
modprobe -a qcserial usb_wwan qmi_wwan cdc_wdm cdc_mbim cdc_acm wwan mhi mhi_pci_generic \
  mhi_wwan_ctrl mhi_wwan_mbim || echo "wwan-init: some modem drivers did not load" >&2

# 2. The container's own system bus (its socket lands on the shared /run).
mkdir -p /run/dbus
dbus-daemon --system

# 3. udev rules for the global udev service (no udev daemon runs here).
mkdir -p /run/udev/rules.d/
cp /lib/udev/rules.d/* /run/udev/rules.d/ 2>/dev/null || true
udevadm control --reload || true
udevadm trigger || true

# 4. FCC unlock: enable ModemManager's vendor scripts (EVE's Lenovo wrappers are not carried over yet).
mkdir -p /etc/ModemManager/fcc-unlock.d
for f in /usr/share/ModemManager/fcc-unlock.available.d/*; do
  [ -e "$f" ] && ln -sf "$f" /etc/ModemManager/fcc-unlock.d/
done

# 5. Register the agent's liveness file with EVE's watchdog (mm-init.sh step 5).
mkdir -p /run/watchdog/file
touch /run/watchdog/file/wwan.touch

# 6. polkitd (Debian's ModemManager asks it; it authorizes root), then ModemManager. EVE's Go agent
#    starts ModemManager itself; mmagent-ts spawns no process, so it starts here.
/usr/lib/polkit-1/polkitd --no-debug &
ModemManager --debug &

# 7. The agent, in the foreground, as the container's main process.
exec node /opt/mmagent/dist/src/cli/main.js run --pubsub --run-dir /run
