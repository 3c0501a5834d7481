#!/usr/bin/env bash
# Installs the Debian packages the tests need (Samba AD DC for the real Active Directory test bed, Chromium for page
# tests). Idempotent: does nothing when they are already there. Needs root on Debian.
set -euo pipefail
# iproute2: the AD test bed adds its loopback address (127.0.0.N) to lo with `ip addr add`.
# libnss3-tools: certutil, so browser tests can make Chromium trust the cloud's dev CA (WebAuthn refuses pages with
# certificate errors).
# samba-dsdb-modules and samba-vfs-modules: the AD DC's ldb modules (samba_secrets, ...) and the acl_xattr module that
# provisioning uses for sysvol. samba only Recommends them, so
# --no-install-recommends leaves them out and `samba-tool domain provision` fails ("Module [samba_secrets] not found",
# "acl_xattr.so: cannot open shared object file").
packages=(samba samba-dsdb-modules samba-vfs-modules samba-ad-provision ldb-tools ldap-utils winbind krb5-user faketime iproute2 chromium libnss3-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages: ${missing[*]}; run this script as root on Debian (apt-get)" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
