# node.sh — sourced (sh) by every script that runs Node.js or npm: the web
# app's build and tests, the local SQS emulator, the browser tests.
#
# The web app's toolchain (vite 8 and rolldown, vitest 4) and fauxqs need
# Node.js 20.19 or later; Debian 12 ships 18.20. When the machine's own node
# is older (or missing), deps.sh installs a pinned Node.js 20 LTS from the npm
# registry (the `node` package ships the official binary) with a matching npm
# into var/node/ of this checkout, and this file puts it first in PATH for
# the project's own commands. The system's node is never changed.
#
# Needs ROOT (the checkout). Defines:
#   node_ok            true when the node in PATH is recent enough
#   node_install       installs the pinned Node into var/node (needs an npm)
#   npm_ci DIR         npm ci in DIR when its lock file or the Node that built
#                      node_modules changed; npm's own output on failure
NODE_MIN=20.19.0
NODE_PIN=20.20.2 # the Node 20 LTS release the project is tested with
NPM_PIN=10.8.2   # the npm that Node 20.20.2 ships with
NODE_DIR=$ROOT/var/node

if [ -x "$NODE_DIR/node_modules/.bin/node" ]; then
	case ":$PATH:" in
	*":$NODE_DIR/node_modules/.bin:"*) ;;
	*) PATH=$NODE_DIR/node_modules/.bin:$PATH ;;
	esac
	export PATH
fi

# version_ge A B: A >= B for dotted versions
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

node_ok() {
	_nv=$(node --version 2>/dev/null) || return 1
	version_ge "${_nv#v}" "$NODE_MIN"
}

node_install() {
	echo "node: $(node --version 2>/dev/null || echo 'no node') is older than $NODE_MIN; installing Node.js $NODE_PIN into $NODE_DIR"
	rm -rf "$NODE_DIR"
	mkdir -p "$NODE_DIR"
	_nlog=$NODE_DIR/install.log
	# the node package's preinstall script fetches the platform binary
	if ! npm install --prefix "$NODE_DIR" --no-audit --no-fund --no-save --foreground-scripts \
		"node@$NODE_PIN" "npm@$NPM_PIN" >"$_nlog" 2>&1; then
		cat "$_nlog" >&2
		echo "node: installing Node.js $NODE_PIN failed (log above, kept in $_nlog)" >&2
		return 1
	fi
	PATH=$NODE_DIR/node_modules/.bin:$PATH
	export PATH
	hash -r 2>/dev/null || true
	node_ok || {
		echo "node: $NODE_DIR holds $(node --version 2>/dev/null), not Node.js $NODE_PIN" >&2
		return 1
	}
}

# npm_ci DIR: node_modules from the lock file, rebuilt when the lock file or
# the node/npm that built it changes (npm leaves out optional native packages
# that the running Node cannot use, so a Node upgrade needs a new install).
npm_ci() {
	_nwant="$(node --version) $(npm --version) $(sha256sum "$1/package-lock.json" | cut -c1-64)"
	_nstamp=$1/node_modules/.vidpipe-stamp
	[ "$(cat "$_nstamp" 2>/dev/null)" = "$_nwant" ] && return 0
	echo "npm: installing $(basename "$1")'s packages (npm ci, Node $(node --version))"
	mkdir -p "$ROOT/var"
	_nlog=$ROOT/var/npm-ci-$(basename "$1").log
	if ! (cd "$1" && npm ci --no-audit --no-fund) >"$_nlog" 2>&1; then
		cat "$_nlog" >&2
		echo "npm: npm ci in $1 failed (its output above, kept in $_nlog)" >&2
		return 1
	fi
	rm -f "$_nlog"
	echo "$_nwant" >"$_nstamp"
}
