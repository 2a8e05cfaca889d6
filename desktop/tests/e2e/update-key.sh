# Sourced by test.sh and run.sh: the key pair the test suite signs desktop updates with,
# made by `tauri signer generate` the first time under the target directory (never
# committed; delete the directory for a new pair). Exports TAURI_CONFIG, which Tauri's
# build merges into tauri.conf.json, so the desktop build under test has the public key
# built in exactly as a release has the agency's, and ADUAN_TEST_UPDATE_KEY, the private
# key's path, for the end-to-end run to sign with.
use_test_update_key() {
    local repo dir
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
    dir="${CARGO_TARGET_DIR:-$repo/target}/test-update-key"
    if [ ! -s "$dir/update.key.pub" ]; then
        mkdir -p "$dir"
        npx --yes @tauri-apps/cli@2 signer generate --ci --password "" \
            --write-keys "$dir/update.key" --force >/dev/null
    fi
    export ADUAN_TEST_UPDATE_KEY="$dir/update.key"
    TAURI_CONFIG=$(printf '{"plugins":{"updater":{"pubkey":"%s"}}}' "$(tr -d '\n' <"$dir/update.key.pub")")
    export TAURI_CONFIG
}
