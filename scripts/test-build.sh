# Sourced by scripts/test, scripts/build-app (with KONTOR_BUILD_WITH_TESTS=1) and scripts/e2e:
# the one package selection and feature set of every test build, so that they all share one
# compilation of the workspace.
#
# Cargo resolves the dependencies' features for the packages a command selects: `cargo build -p
# kontor` gives tokio no test-util, rustix no default features and so on, and so recompiled 57
# crates (4 minutes on two cores) after the tests' build of the whole workspace had compiled them
# once already; `cargo test -p kontor-e2e-tests` did the same for the E2E crate. With the same
# selection everywhere, the app binary the E2E tests drive is the one the tests' build leaves in
# target/debug/kontor. kontor/custom-protocol embeds ui/dist, so the UI is built (npm run build,
# as scripts/build-app does) before any of these builds.
# shellcheck shell=bash
KONTOR_TEST_SELECTION=(--workspace --features kontor/custom-protocol --locked)

# The app's bills of materials (written by scripts/build-app) are compiled into the binary
# (`kontor --version --json`): the same variables for every build, or kontor is compiled again.
kontor_sbom_env() {
  local env_file="${CARGO_TARGET_DIR:-$ROOT/target}/app/sbom/sbom.env"
  if [[ -f "$env_file" ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$env_file"
    set +a
  fi
}
