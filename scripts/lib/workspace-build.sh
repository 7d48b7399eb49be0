# shellcheck shell=bash
# The one build of the workspace that scripts/test.sh and
# scripts/desktop-e2e.sh share: every crate, test targets included, with the
# desktop shell and its embedded designer (which needs ui/dist). Cargo unifies
# features per invocation, so building the shell or the CLI on its own would
# compile every workspace crate again with other features; with the same
# flags everywhere each crate is compiled once.
# shellcheck disable=SC2034 # read by the scripts that source this file
WORKSPACE_BUILD=(--locked --workspace --features hookline-desktop/custom-protocol)
