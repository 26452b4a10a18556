#!/usr/bin/env bash
# The deployment files agree with the code and with each other:
#   1. Cargo.toml's rust-version is at least the highest rust-version among the locked
#      packages this build resolves (cargo metadata), and the README states it;
#   2. every `FROM rust:X.Y` in the Dockerfile is at least rust-version;
#   3. the flake stops with a clear message when nixpkgs' Rust is older than Cargo.toml's
#      rust-version (evaluated with a stub nixpkgs), and names no older Rust itself;
#   4. the app's environment in deploy/docker-compose.yml, on top of the Dockerfile's ENV,
#      is a valid configuration: `homestream config` accepts it (secrets are dummies);
#   5. every path the compose file mounts or builds from, and every path the Dockerfile
#      copies, exists in the repository, and the image gets every Cargo target's source;
#   6. the NixOS module evaluates with monitoring off and on (with nixpkgs' lib, when
#      one is found).
# It builds nothing: `homestream config` runs from $HOMESTREAM_BIN (default
# target/debug/homestream), which .ci/run builds first. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${HOMESTREAM_BIN:-target/debug/homestream}
case $bin in /*) ;; *) bin=$root/$bin ;; esac

failures=0
ok() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
note() { printf '      %s\n' "$*"; }
section() { printf '\n-- %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Version helpers: "1.91" == "1.91.0"; exit status 0 when $1 >= $2.
version_ge() {
  python3 - "$1" "$2" <<'PY'
import sys
def key(v):
    parts = [int(p) for p in v.split(".")]
    return parts + [0] * (3 - len(parts))
sys.exit(0 if key(sys.argv[1]) >= key(sys.argv[2]) else 1)
PY
}

rust_version=$(python3 -c '
import tomllib
print(tomllib.load(open("Cargo.toml", "rb"))["package"].get("rust-version", ""))')
if [[ ! $rust_version =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]]; then
  fail "Cargo.toml has no usable package.rust-version (got '$rust_version')"
  echo; echo "deployment files: $failures failure(s)"; exit 1
fi
echo "Cargo.toml rust-version: $rust_version"

# ---------------------------------------------------------------------------------------
section "1. the lock's minimum Rust"
# The packages this build really compiles: the resolved graph for the host and for the
# Linux targets the Dockerfile and the flake build on, not every package in the lock.
mapfile -t targets < <(printf '%s\n' "$(rustc -vV | sed -n 's/^host: //p')" \
  x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu | sort -u)
filters=()
for t in "${targets[@]}"; do filters+=(--filter-platform "$t"); done
if cargo metadata --format-version 1 --locked "${filters[@]}" >"$work/metadata.json" 2>"$work/metadata.err"; then
  read -r lock_needs lock_who < <(python3 - "$work/metadata.json" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
packages = {p["id"]: p for p in meta["packages"]}
members = set(meta["workspace_members"])
def key(v):
    parts = [int(p) for p in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
found = [packages[n["id"]] for n in meta["resolve"]["nodes"]
         if n["id"] not in members and packages[n["id"]].get("rust_version")]
top = max(key(p["rust_version"]) for p in found)
setters = sorted(f'{p["name"]}@{p["version"]}' for p in found if key(p["rust_version"]) == top)
print(".".join(str(x) for x in top).removesuffix(".0"), ",".join(setters))
PY
)
  note "resolved for ${targets[*]}"
  if [[ -z ${lock_needs:-} ]]; then
    fail "could not read the locked packages' rust-version from cargo metadata"
  elif version_ge "$rust_version" "$lock_needs"; then
    ok "the lock needs Rust $lock_needs (set by $lock_who); rust-version $rust_version covers it"
  else
    fail "the lock needs Rust $lock_needs (set by $lock_who) but Cargo.toml says rust-version = \"$rust_version\""
  fi
else
  fail "cargo metadata --locked failed:"
  sed 's/^/      /' "$work/metadata.err"
fi
if grep -qF "Rust $rust_version" README.md; then
  ok "README.md states the minimum (\"Rust $rust_version\")"
else
  fail "README.md does not say \"Rust $rust_version\" (the minimum Rust)"
fi

# ---------------------------------------------------------------------------------------
section "2. the Dockerfile's Rust"
# Prints "tag<TAB>line" for each FROM of the rust image, with ARG defaults filled in.
python3 - Dockerfile >"$work/rust-from.txt" <<'PY'
import re, sys
args = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    m = re.match(r"\s*ARG\s+(\w+)=(\S+)", line)
    if m:
        args[m[1]] = m[2].strip("\"'")
    m = re.match(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", line, re.I)
    if not m:
        continue
    ref = re.sub(r"\$\{?(\w+)\}?", lambda a: args.get(a[1], a[0]), m[1]).split("@")[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.split("/")[-1] else (ref, "", "latest")
    if name in ("rust", "library/rust", "docker.io/library/rust"):
        print(f"{tag}\tDockerfile:{n}: {line.strip()}")
PY
if [[ ! -s $work/rust-from.txt ]]; then
  fail "the Dockerfile has no FROM rust:... builder"
fi
while IFS=$'\t' read -r tag where; do
  if [[ $tag =~ ^([0-9]+\.[0-9]+(\.[0-9]+)?)(-.*)?$ ]]; then
    image_rust=${BASH_REMATCH[1]}
    if version_ge "$image_rust" "$rust_version"; then
      ok "rust:$tag has Rust $image_rust >= $rust_version ($where)"
    else
      fail "rust:$tag has Rust $image_rust, older than rust-version $rust_version ($where)"
    fi
  else
    fail "rust:$tag names no Rust version, so it cannot be checked against $rust_version ($where)"
  fi
done <"$work/rust-from.txt"

# ---------------------------------------------------------------------------------------
section "3. the flake's Rust"
flake_reads_cargo=false
if ! grep -q 'versionOlder' flake.nix; then
  fail "flake.nix does not compare nixpkgs' rustc with a minimum (lib.versionOlder)"
elif grep -q 'builtins.fromTOML (builtins.readFile ./Cargo.toml)' flake.nix \
  && grep -q 'cargoToml.package.rust-version' flake.nix; then
  flake_reads_cargo=true
  ok "flake.nix reads rust-version from Cargo.toml and compares nixpkgs' rustc with it"
else
  note "flake.nix compares nixpkgs' rustc with a minimum of its own; evaluated below"
fi
# A Rust version written into the flake (a pinned toolchain, a hard-coded minimum) must
# not be older than rust-version.
python3 - flake.nix "$rust_version" >"$work/flake-versions.txt" <<'PY'
import re, sys
def key(v):
    parts = [int(p) for p in v.split(".")]
    return parts + [0] * (3 - len(parts))
for n, line in enumerate(open(sys.argv[1]), 1):
    code = line.split("#", 1)[0]
    if not re.search(r"rust|cargo", code, re.I):
        continue
    found = re.findall(r"rust\w*?[_-](\d+)_(\d+)", code)           # rust_1_85, rustPackages_1_85
    found = [f"{a}.{b}" for a, b in found]
    found += re.findall(r'"(\d+\.\d+(?:\.\d+)?)"', code)           # "1.85", rust-bin.stable."1.85.0"
    for v in found:
        print(f'{"old" if key(v) < key(sys.argv[2]) else "ok"}\t{v}\tflake.nix:{n}: {line.strip()}')
PY
while IFS=$'\t' read -r verdict v where; do
  if [[ $verdict == old ]]; then
    fail "flake.nix names Rust $v, older than rust-version $rust_version ($where)"
  else
    ok "flake.nix names Rust $v ($where)"
  fi
done <"$work/flake-versions.txt"
nixpkgs_url=$(sed -n 's/.*inputs\.nixpkgs\.url *= *"\([^"]*\)".*/\1/p' flake.nix)
note "nixpkgs input: ${nixpkgs_url:-?} (not locked; its Rust is checked when the flake is evaluated)"
if command -v nix-instantiate >/dev/null; then
  # The flake's outputs with a stub nixpkgs whose rustc has a given version: one just
  # below rust-version must stop with the message, rust-version itself must pass.
  cat >"$work/flake-eval.nix" <<'NIX'
{ root, rustc }:
let
  flake = import (/. + root + "/flake.nix");
  lib = {
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    versionOlder = a: b: builtins.compareVersions a b < 0;
    licenses.mit = "MIT";
    makeBinPath = _: "/stub/bin";
    fileset = { toSource = { root, fileset }: fileset; unions = l: l; };
  };
  pkgs = {
    inherit lib;
    rustc.version = rustc;
    rustPlatform.buildRustPackage = args: args;
    mkShell = args: args;
    buildNpmPackage = args: args;
    importNpmLock = { __functor = _: { npmRoot }: npmRoot; npmConfigHook = "stub"; };
  };
  nixpkgs = { inherit lib; legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (_: pkgs); };
  out = flake.outputs { self = out; inherit nixpkgs; };
in
[ out.packages.x86_64-linux.default.pname out.packages.x86_64-linux.web.pname
  out.packages.x86_64-linux.web.sourceRoot (builtins.length out.packages.x86_64-linux.web.src)
  out.devShells.x86_64-linux.default.HS_TEST_POSTGRES_URL ]
NIX
  major_minor=${rust_version%.*}; [[ $rust_version =~ ^[0-9]+\.[0-9]+$ ]] && major_minor=$rust_version
  minor=${major_minor#*.}
  below="${major_minor%%.*}.$((minor - 1)).99"
  flake_eval() {
    nix-instantiate --eval --strict "$work/flake-eval.nix" --argstr root "$root" --argstr rustc "$1" 2>&1 \
      | grep -v "build-users-group"
  }
  if out=$(flake_eval "$below") || ! grep -q "needs Rust $rust_version or newer" <<<"$out"; then
    fail "with rustc $below the flake does not stop with \"needs Rust $rust_version or newer\":"
    sed 's/^/      /' <<<"$out"
  else
    ok "with rustc $below the flake stops: $(head -n1 <<<"$out" | cut -c1-110)..."
  fi
  if out=$(flake_eval "$rust_version.0"); then
    ok "with rustc $rust_version.0 the flake's packages (server, web client) and dev shell evaluate"
  else
    fail "with rustc $rust_version.0 the flake does not evaluate:"
    sed 's/^/      /' <<<"$out"
  fi
elif [[ ${CI:-} == true || $flake_reads_cargo == false ]]; then
  fail "nix-instantiate not found, so the flake's Rust check was not evaluated"
else
  note "nix-instantiate not found: the flake's Rust check was not evaluated"
fi

# ---------------------------------------------------------------------------------------
section "4. the compose app's environment"
if ! python3 -c 'import yaml' 2>/dev/null; then
  python3 -m pip install --quiet pyyaml >/dev/null 2>&1 || true
fi
# Builds, under $work/root, the app container's files as far as `config` can see them
# (the Dockerfile's COPYs into the final stage, the compose file's mounts), and writes the
# container's environment (the image's ENV, then the compose file's, secrets as dummies,
# container paths moved under $work/root) NUL-separated to $work/app.env. Then checks the
# paths of check 5 and prints their lines.
python3 - "$work" >"$work/compose.txt" <<'PY'
import os, re, shlex, shutil, sys
import yaml

work = sys.argv[1]
fake = os.path.join(work, "root")
deploy = os.path.abspath("deploy")
out = []  # check-5 lines: ("ok"|"FAIL", text)

# Dummies for the variables the operator must put in deploy/.env.
DUMMIES = {
    "JWT_SECRET": "0123456789abcdef" * 4,   # openssl rand -hex 32
    "DB_PASSWORD": "0123456789abcdef" * 2,  # openssl rand -hex 16
}
missing = []

def interpolate(value):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, $$."""
    def one(m):
        if m[0] == "$$":
            return "$"
        name, op, arg = m["name"] or m["bare"], m["op"] or "", m["arg"] or ""
        if name in DUMMIES:
            return DUMMIES[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            missing.append(name)
            return f"<{name}>"
        return ""  # unset and no default: compose substitutes an empty string
    pattern = r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
    return re.sub(pattern, one, str(value))

compose = yaml.safe_load(open("deploy/docker-compose.yml"))
app = compose["services"]["app"]

# Check 5: every host path the compose file builds from or mounts exists in the repo.
build = app.get("build", {})
context = os.path.normpath(os.path.join(deploy, interpolate(build.get("context", "."))))
if os.path.isdir(context):
    out.append(("ok", f"app build context {os.path.relpath(context)}/ exists"))
else:
    out.append(("FAIL", f"app build context {context} does not exist"))
dockerfile = os.path.join(context, interpolate(build.get("dockerfile", "Dockerfile")))
if os.path.isfile(dockerfile):
    out.append(("ok", f"app dockerfile {os.path.relpath(dockerfile)} exists"))
else:
    out.append(("FAIL", f"app dockerfile {dockerfile} does not exist"))

named = set((compose.get("volumes") or {}).keys())
mounts = {}  # service -> [(host path or None for a named volume, container path)]
for name, service in compose["services"].items():
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume["target"]
            kind = volume.get("type", "volume")
        else:
            parts = interpolate(volume).split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else (None, parts[0])
            kind = "volume" if source is None or source in named else "bind"
        source = interpolate(source) if source else source
        if kind != "bind":
            mounts.setdefault(name, []).append((None, target))
            continue
        if source.startswith("/") or source.startswith("~"):
            out.append(("ok", f"{name}: {source} -> {target} is the operator's path (not in the repository)"))
            mounts.setdefault(name, []).append((source, target))
            continue
        host = os.path.normpath(os.path.join(deploy, source))
        rel = os.path.relpath(host)
        if os.path.exists(host) and not rel.startswith(".."):
            out.append(("ok", f"{name}: {rel} -> {target} exists"))
        else:
            out.append(("FAIL", f"{name}: {source} (resolved to {rel}) -> {target} is not in the repository"))
        mounts.setdefault(name, []).append((host, target))

# The Dockerfile: every COPY source from the build context exists; the final stage's
# COPYs and ENV are what the running app sees; the build stage must get every source file
# Cargo.toml names, or `cargo build` in the image fails before compiling.
lines, stages = [], []
for raw in open(dockerfile).read().replace("\\\n", " ").splitlines():
    raw = raw.strip()
    if raw and not raw.startswith("#"):
        lines.append(raw)
for line in lines:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "FROM":
        stages.append({"copies": [], "env": {}, "image": rest.split()[0]})
    elif word in ("COPY", "ADD") and stages:
        args = shlex.split(rest) if not rest.lstrip().startswith("[") else yaml.safe_load(rest)
        if any(a.startswith("--from") for a in args):
            continue
        args = [a for a in args if not a.startswith("--")]
        *sources, dest = args
        for src in sources:
            path = os.path.normpath(os.path.join(context, src))
            if os.path.exists(path):
                out.append(("ok", f"Dockerfile {word} {src} exists"))
            else:
                out.append(("FAIL", f"Dockerfile {word} {src}: {os.path.relpath(path)} is not in the repository"))
            stages[-1]["copies"].append((path, dest, len(sources) > 1 or dest.endswith("/")))
    elif word == "ENV" and stages:
        tokens = shlex.split(rest)
        if len(tokens) >= 2 and "=" not in tokens[0]:
            stages[-1]["env"][tokens[0]] = " ".join(tokens[1:])
        else:
            for token in tokens:
                key, _, value = token.partition("=")
                stages[-1]["env"][key] = value
    elif word == "WORKDIR" and stages:
        stages[-1]["workdir"] = rest.strip()

import tomllib
cargo = tomllib.load(open("Cargo.toml", "rb"))
# The Rust build stage (a Node stage may come before it, building the web client).
rust_stage = next(s for s in stages if s["image"].startswith("rust:"))
copied = [os.path.relpath(src, context) for src, _, _ in rust_stage["copies"]]
needed = ["Cargo.toml", "Cargo.lock"]
# The build script, which embeds the web client.
if os.path.exists(cargo.get("package", {}).get("build", "build.rs")):
    needed.append(cargo.get("package", {}).get("build", "build.rs"))
for table in ("lib", "bin", "test", "bench", "example"):
    entries = cargo.get(table, [])
    for entry in entries if isinstance(entries, list) else [entries]:
        if "path" in entry:
            needed.append(entry["path"])
# Workspace members: cargo loads every member's manifest for any build.
for member in cargo.get("workspace", {}).get("members", []):
    if member != ".":
        needed.append(os.path.normpath(member))
# Files the code reads at compile time: sqlx::migrate!("dir") (from the crate root) and
# include_str!/include_bytes!("path") (from the source file).
for dirpath, _, files in os.walk("src"):
    for file in files:
        if file.endswith(".rs"):
            source = open(os.path.join(dirpath, file)).read()
            for m in re.finditer(r'migrate!\(\s*"([^"]+)"', source):
                needed.append(os.path.normpath(m[1]))
            for m in re.finditer(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source):
                needed.append(os.path.normpath(os.path.join(dirpath, m[1])))
for path in dict.fromkeys(needed):
    if any(path == c or path.startswith(c.rstrip("/") + "/") for c in copied):
        out.append(("ok", f"the build stage copies {path}"))
    else:
        out.append(("FAIL", f"the build stage does not copy {path}, which the build needs"))

# The app container's filesystem, as far as `config` reads it.
final = stages[-1]
moved = []  # (container path, path under the fake root)
for src, dest, into_dir in final["copies"]:
    target = os.path.join(dest, os.path.basename(src)) if into_dir else dest
    local = fake + target
    os.makedirs(os.path.dirname(local), exist_ok=True)
    if os.path.isdir(src):
        shutil.copytree(src, local, dirs_exist_ok=True)
    elif os.path.exists(src):
        shutil.copy(src, local)
    moved.append((target, local))
for host, target in mounts.get("app", []):
    local = fake + target
    os.makedirs(os.path.dirname(local), exist_ok=True)
    if host and os.path.exists(host):
        os.symlink(host, local)
    else:
        os.makedirs(local, exist_ok=True)  # a named volume, or a host path not here
    moved.append((target, local))
for key, value in final["env"].items():
    if value.startswith("/") and not any(value == t or value.startswith(t.rstrip("/") + "/") for t, _ in moved):
        os.makedirs(fake + value, exist_ok=True)  # a directory the image makes
        moved.append((value, fake + value))
workdir = fake + final.get("workdir", "/")
os.makedirs(workdir, exist_ok=True)

def relocate(value):
    for target, local in sorted(moved, key=lambda m: -len(m[0])):
        if value == target or value.startswith(target.rstrip("/") + "/"):
            return local + value[len(target):]
    return value

env = dict(final["env"])
environment = app.get("environment") or {}
if isinstance(environment, list):
    environment = dict(item.split("=", 1) for item in environment)
env.update({k: interpolate(v) for k, v in environment.items()})
with open(os.path.join(work, "app.env"), "wb") as f:
    for key, value in env.items():
        f.write(f"{key}={relocate(value)}\0".encode())
with open(os.path.join(work, "app.env.txt"), "w") as f:
    for key, value in env.items():
        shown = value
        for name, dummy in DUMMIES.items():
            shown = shown.replace(dummy, f"<dummy {name}>")
        f.write(f"{key}={shown}" + (f"  (here {relocate(value)})" if relocate(value) != value else "") + "\n")
with open(os.path.join(work, "app.cwd"), "w") as f:
    f.write(workdir)
for name in sorted(set(missing)):
    out.append(("FAIL-ENV", f"compose requires ${{{name}}} and this script has no dummy for it; add one to DUMMIES"))
for verdict, text in out:
    print(f"{verdict}\t{text}")
PY
compose_rc=$?
if ((compose_rc != 0)); then
  fail "could not read deploy/docker-compose.yml or the Dockerfile (python exited $compose_rc)"
elif [[ ! -x $bin ]]; then
  fail "no homestream binary at $bin (build it first, or set HOMESTREAM_BIN)"
else
  while IFS=$'\t' read -r verdict text; do
    [[ $verdict == FAIL-ENV ]] && fail "$text"
  done <"$work/compose.txt"
  note "environment (Dockerfile ENV, then compose; container paths under a temporary root):"
  sed 's/^/        /' "$work/app.env.txt"
  mapfile -d '' app_env <"$work/app.env"
  (cd "$(cat "$work/app.cwd")" && env -i PATH="$PATH" "${app_env[@]}" "$bin" config) \
    >"$work/config.out" 2>"$work/config.err"
  rc=$?
  if ((rc == 0)) && ! grep -qi 'error\|invalid' "$work/config.err"; then
    ok "homestream config accepts the compose app's environment"
    # Each variable reached the key it was meant for (an unknown HOMESTREAM_* key is
    # already an error; this catches one shadowed by a later layer or mistyped value).
    python3 - "$work/app.env" "$work/config.out" >"$work/effect.txt" <<'PY'
import json, re, sys, tomllib
env = dict(item.split("=", 1) for item in open(sys.argv[1]).read().split("\0") if item)
config = tomllib.load(open(sys.argv[2], "rb"))
def mask(url):
    return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)
def lookup(path):
    value = config
    for part in path:
        value = value[part]
    return value
ARCHITECTURE = {"DATABASE_URL": ("database", "url"), "REDIS_URL": ("redis", "url"),
                "MAX_CONCURRENT_STREAMS": ("streaming", "max_concurrent_streams"),
                "PORT": ("server", "port"), "CHUNK_SIZE": ("streaming", "chunk_size")}
for name, raw in env.items():
    if name in ("HOMESTREAM_CONFIG_DIR", "HOMESTREAM_PROFILE", "HOMESTREAM_CONFIG"):
        print(f"ok\t{name} names where the configuration is read from")
        continue
    if name == "VIDEOS_PATH":
        paths = [lib.get("path") for lib in config["media"]["libraries"]]
        verdict = "ok" if raw in paths else "FAIL"
        print(f"{verdict}\tVIDEOS_PATH -> media.libraries paths {paths}")
        continue
    if name.startswith("HOMESTREAM_"):
        path = tuple(name[len("HOMESTREAM_"):].lower().split("__"))
    elif name in ARCHITECTURE:
        path = ARCHITECTURE[name]
    else:
        print(f"note\t{name} is not a configuration variable")
        continue
    key = ".".join(path)
    try:
        got = lookup(path)
    except (KeyError, TypeError):
        print(f"FAIL\t{name}: {key} is not in the printed configuration")
        continue
    if got == "[redacted]":
        print(f"ok\t{name} -> {key} (set, redacted)")
        continue
    if isinstance(got, bool):
        want = raw.strip().lower() == "true"
    elif isinstance(got, int):
        want = int(raw) if raw.strip().isdigit() else raw
    elif isinstance(got, list):
        want = json.loads(raw)
    else:
        want, got = mask(raw), mask(got)
    shown = mask(raw) if len(raw) < 60 else raw[:20] + "..."
    if got == want:
        print(f"ok\t{name} -> {key} = {json.dumps(got)}")
    else:
        print(f"FAIL\t{name}={shown} did not reach {key}: it is {json.dumps(got)}")
PY
    while IFS=$'\t' read -r verdict text; do
      case $verdict in ok) ok "$text" ;; note) note "$text" ;; *) fail "$text" ;; esac
    done <"$work/effect.txt"
  else
    fail "homestream config exited $rc with the compose app's environment:"
    sed 's/^/      /' "$work/config.err"
  fi
fi

# ---------------------------------------------------------------------------------------
section "5. paths the compose file and the Dockerfile use"
if ((compose_rc == 0)); then
  while IFS=$'\t' read -r verdict text; do
    case $verdict in ok) ok "$text" ;; FAIL-ENV) ;; *) fail "$text" ;; esac
  done <"$work/compose.txt"
fi

# ---------------------------------------------------------------------------------------
section "6. the NixOS module"
# services.homestream evaluated by nixos-module/eval-test.nix with nixpkgs' lib: with
# monitoring off and on, with and without Prometheus and Grafana on the machine (it
# throws on a wrong result). nixpkgs' lib is $NIXPKGS_LIB (its lib folder) or
# <nixpkgs/lib> on NIX_PATH; no package registry carries it, so without either the
# evaluation is noted as not done.
nix_lib=${NIXPKGS_LIB:-}
if [[ -z $nix_lib ]] && command -v nix-instantiate >/dev/null; then
  nix_lib=$(nix-instantiate --eval -E 'toString <nixpkgs/lib>' 2>/dev/null | tr -d '"') || nix_lib=
fi
if ! command -v nix-instantiate >/dev/null; then
  note "nix-instantiate not found: the module was not evaluated"
elif [[ -z $nix_lib || ! -e $nix_lib/default.nix ]]; then
  note "no nixpkgs lib (set NIXPKGS_LIB to nixpkgs' lib folder): the module was not evaluated"
elif out=$(nix-instantiate --eval --strict --json nixos-module/eval-test.nix \
  --arg lib "import $nix_lib" 2>&1 | grep -v "build-users-group"); then
  ok "the module evaluates, monitoring off and on (nixos-module/eval-test.nix):"
  note "$out"
else
  fail "nixos-module/eval-test.nix failed:"
  sed 's/^/      /' <<<"$out"
fi

echo
if ((failures)); then
  echo "deployment files: $failures failure(s)"
  exit 1
fi
echo "deployment files: all checks passed"
