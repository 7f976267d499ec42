#!/usr/bin/env bash
# Development TLS for the bank domains: a private CA and one certificate per
# domain, signed by it (SAN DNS:<domain>, DNS:localhost, IP:127.0.0.1).
#
#   nginx/dev-certs.sh OUT_DIR bank-a.test [bank-b.test ...]
#
# Writes OUT_DIR/ca.crt + ca.key (reused when present, so clients that already
# trust the CA keep working) and OUT_DIR/<domain>.crt + <domain>.key (reused
# while still valid for a day and signed by that CA). Trust the CA with
# NODE_EXTRA_CA_CERTS=OUT_DIR/ca.crt, or `[http] extra_ca_file` in the configs.
# Development only: never use these for a real domain.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 OUT_DIR DOMAIN [DOMAIN ...]" >&2
  exit 2
fi
out=$1
shift
for domain in "$@"; do
  if ! [[ "$domain" =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$ ]]; then
    echo "$0: not a domain name: $domain" >&2
    exit 2
  fi
done

mkdir -p "$out"
cd "$out"
umask 077

if [ ! -s ca.crt ] || [ ! -s ca.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.crt -subj "/CN=Anchor Development CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "created development CA $(pwd)/ca.crt"
fi

for domain in "$@"; do
  if [ -s "$domain.crt" ] && [ -s "$domain.key" ] &&
    openssl verify -CAfile ca.crt "$domain.crt" >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in "$domain.crt" >/dev/null 2>&1; then
    continue
  fi
  ext=$(mktemp)
  printf '%s\n' \
    "subjectAltName=DNS:$domain,DNS:localhost,IP:127.0.0.1" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "authorityKeyIdentifier=keyid,issuer" >"$ext"
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$domain.key" -out "$domain.csr" \
    -subj "/CN=$domain" 2>/dev/null
  openssl x509 -req -sha256 -days 825 -in "$domain.csr" -CA ca.crt -CAkey ca.key \
    -CAcreateserial -out "$domain.crt" -extfile "$ext" 2>/dev/null
  rm -f "$domain.csr" "$ext"
  echo "created certificate $(pwd)/$domain.crt"
done

# Certificates are public; keys stay private (nginx's master process reads them as root).
chmod 644 ca.crt ./*.crt
chmod 600 ca.key ./*.key
