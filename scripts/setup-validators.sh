#!/usr/bin/env bash
# The deployment validators (issue 11, item 3), pinned, in the cache dir, outside git. Prints that dir, which
# `node dist/tools/validate-deploy/main.js` (npm run validate:deploy) and its test read as RELSTREAM_VALIDATORS_DIR.
#   kustomize      sigs.k8s.io/kustomize/kustomize/v5 (go install; v5.8.3 needs Go 1.27, v5.8.1 builds on 1.24+)
#   kubeconform    github.com/yannh/kubeconform/cmd/kubeconform (go install)
#   k8s schemas    the PyPI wheel kubernetes-validate (JSON schemas of Kubernetes 1.25-1.37; sha256 checked)
#   KEDA schemas   the CRDs of the Go module github.com/kedacore/keda/v2 (config/crd/bases), converted by
#                  kubeconform's own scripts/openapi2jsonschema.py (in its module) in a venv with PyYAML
#   dashboard      tools/dashboard-check (Go, github.com/grafana/grafana-foundation-sdk/go, go.sum committed)
#   promtool       Debian's prometheus package (.ci/run installs it)
# Go comes with the machine (Go >= 1.24; GOTOOLCHAIN=local: nothing is fetched behind our back).
set -euo pipefail
cd "$(dirname "$0")/.."
KUSTOMIZE_VERSION=v5.8.1
KUBECONFORM_VERSION=v0.8.0
KEDA_VERSION=v2.21.0
K8S_VALIDATE_VERSION=1.37.0
K8S_VALIDATE_SHA256=85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9
PYYAML_VERSION=6.0.3

DIR="${RELSTREAM_CACHE_DIR:-$HOME/.cache/relstream}/validators"
mkdir -p "$DIR"
export GOPATH="$DIR/go" GOFLAGS=-modcacherw GOTOOLCHAIN=local GOTELEMETRY=off
command -v go >/dev/null || { echo "setup-validators: go is not on PATH (Go >= 1.24 is needed to build kustomize, kubeconform and the dashboard check)" >&2; exit 1; }
command -v promtool >/dev/null || { echo "setup-validators: promtool is not on PATH (Debian package prometheus)" >&2; exit 1; }
log() { echo "setup-validators: $*" >&2; }

install_go_tool() { # name module version
  local bin="$DIR/$1-$3"
  if [ ! -x "$bin" ]; then
    log "go install $2@$3"
    GOBIN="$DIR/gobin-$1-$3" go install "$2@$3" >&2
    mv "$DIR/gobin-$1-$3/$1" "$bin"
    rmdir "$DIR/gobin-$1-$3"
  fi
  ln -sf "$bin" "$DIR/$1"
}
install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

# Kubernetes schemas: the wheel's strict schemas, one folder per minor version; their $refs point into a shared
# _definitions.json by absolute path, which kubeconform cannot follow: the validator inlines them per kind.
k8s="$DIR/kubernetes-validate-$K8S_VALIDATE_VERSION"
if [ ! -d "$k8s/kubernetes-json-schema" ]; then
  log "kubernetes-validate $K8S_VALIDATE_VERSION from PyPI"
  work="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary :all: "kubernetes-validate==$K8S_VALIDATE_VERSION" -d "$work" >&2
  echo "$K8S_VALIDATE_SHA256  $(ls "$work"/kubernetes_validate-*.whl)" | sha256sum -c --quiet
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if "-local-strict/" in n]' "$(ls "$work"/kubernetes_validate-*.whl)" "$work/x"
  rm -rf "$k8s.partial" && mkdir -p "$k8s.partial"
  mv "$work/x/kubernetes_validate/kubernetes-json-schema" "$k8s.partial/"
  rm -rf "$work" "$k8s" && mv "$k8s.partial" "$k8s"
fi
ln -sfn "$k8s/kubernetes-json-schema" "$DIR/kubernetes-json-schema"

# KEDA CRD schemas, named as kubeconform's CRD template expects ({kind}_{version}.json, lower case).
keda="$DIR/keda-$KEDA_VERSION"
if [ ! -f "$keda/scaledobject_v1alpha1.json" ]; then
  log "KEDA $KEDA_VERSION CRDs (Go module) through openapi2jsonschema"
  if [ ! -x "$DIR/venv/bin/python" ]; then
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install --quiet --disable-pip-version-check "PyYAML==$PYYAML_VERSION" >&2
  fi
  crds="$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')/config/crd/bases"
  script="$(go mod download -json "github.com/yannh/kubeconform@$KUBECONFORM_VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')/scripts/openapi2jsonschema.py"
  rm -rf "$keda.partial" && mkdir -p "$keda.partial"
  (cd "$keda.partial" && FILENAME_FORMAT='{kind}_{version}' "$DIR/venv/bin/python" "$script" "$crds"/keda.sh_*.yaml >&2)
  rm -rf "$keda" && mv "$keda.partial" "$keda"
fi
ln -sfn "$keda" "$DIR/keda-schemas"

# The dashboard check, rebuilt when its source changes.
stamp="$(cat tools/dashboard-check/go.mod tools/dashboard-check/go.sum tools/dashboard-check/main.go | sha256sum | cut -c1-12)"
if [ ! -x "$DIR/dashboard-check-$stamp" ]; then
  log "building tools/dashboard-check"
  (cd tools/dashboard-check && go build -o "$DIR/dashboard-check-$stamp" .) >&2
fi
ln -sf "$DIR/dashboard-check-$stamp" "$DIR/dashboard-check"
ln -sf "$(command -v promtool)" "$DIR/promtool"
echo "$DIR"
