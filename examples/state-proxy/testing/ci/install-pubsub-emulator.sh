#!/usr/bin/env bash
# Installs Google's Pub/Sub emulator on a CI runner (Debian or Ubuntu, sudo): it is in
# Google's apt archive, which stock runners lack. Does nothing where it is installed already
# (a self-hosted runner, a re-run).
set -euo pipefail
emulator=/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator
if [ -x "$emulator" ]; then
  echo "already installed: $emulator"
  exit 0
fi
curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg |
  sudo gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg
echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" |
  sudo tee /etc/apt/sources.list.d/google-cloud-sdk.list
sudo apt-get update
sudo apt-get install -y --no-install-recommends google-cloud-cli-pubsub-emulator
