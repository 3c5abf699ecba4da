#!/bin/sh
# Makes a throw-away CA and the certificates docker/compose.cluster.yaml
# needs, into /certs: each broker's PKCS#12 keystore (its host name in the
# certificate), the brokers' truststore and the password file the Kafka
# image reads; into /keycloak the identity provider's keystore and the
# configuration that names it; and ca.pem alone into /ca, the only file
# oqim's containers mount (kafka.tls.ca_file, and a root for the
# provider's HTTPS). It runs in the Kafka image (keytool only) as
# the certs service, once: existing files are kept. Replace them with
# certificates from your own CA in production.
set -eu
cd /certs
if [ -f ca.pem ] && [ -f /ca/ca.pem ] && [ -f /keycloak/keycloak.conf ]; then
  echo "certificates exist; keeping them"
  exit 0
fi
pass=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$pass" > keystore-password
keytool -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=oqim kafka CA" \
  -ext bc:c -validity 825 -keystore ca.p12 -storetype PKCS12 -storepass "$pass"
keytool -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$pass" > ca.pem
keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass "$pass"
for b in kafka-1 kafka-2 kafka-3 keycloak; do
  keytool -genkeypair -alias "$b" -keyalg EC -groupname secp256r1 -dname "CN=$b" -validity 825 \
    -keystore "$b.p12" -storetype PKCS12 -storepass "$pass"
  keytool -certreq -alias "$b" -keystore "$b.p12" -storepass "$pass" \
    | keytool -gencert -alias ca -keystore ca.p12 -storepass "$pass" -validity 825 \
        -ext "SAN=dns:$b" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth -rfc > "$b.pem"
  keytool -importcert -noprompt -alias ca -file ca.pem -keystore "$b.p12" -storepass "$pass"
  keytool -importcert -alias "$b" -file "$b.pem" -keystore "$b.p12" -storepass "$pass"
done
rm ca.p12
cp ca.pem /ca/ca.pem
chmod 644 /ca/ca.pem
mv keycloak.p12 /keycloak/keycloak.p12
cat > /keycloak/keycloak.conf <<CONF
https-port=8443
http-enabled=false
https-key-store-file=/opt/keycloak/certs/keycloak.p12
https-key-store-password=$pass
CONF
# Keycloak runs as the image's user 1000 too.
chown -R 1000:1000 /keycloak
chmod 600 /keycloak/*
# The brokers run as the image's user 1000; only they read the keys.
chown -R 1000:1000 /certs
chmod 600 /certs/*.p12 /certs/keystore-password
echo "certificates written"
