# Sourced by the scripts that run the desktop app in a private D-Bus session.
# make_session_dir sets $work to a new temporary directory that is removed on
# exit. The session's document portal mounts a FUSE file system in the
# temporary HOME ($work/home) and may still hold it for a moment after the
# session ends, so removal unmounts it and tries again.
make_session_dir() {
    work=$(mktemp -d)
    trap remove_session_dir EXIT
}

remove_session_dir() {
    for _ in $(seq 50); do
        rm -rf "$work" 2>/dev/null && return 0
        fusermount -uz "$work/home/.cache/doc" 2>/dev/null || umount -l "$work/home/.cache/doc" 2>/dev/null || true
        sleep 0.1
    done
    echo "could not remove $work" >&2
}
