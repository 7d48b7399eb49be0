//! Names of the processes that claim executions. A name carries the machine
//! and the process id, so a process can tell that the owner of a claim ran on
//! this machine and no longer exists (killed, crashed) and take its
//! executions over at once, instead of waiting for the claim to expire.
//! Owners on other machines, or where the check is not possible, are left to
//! the lease.

/// A new owner name: `HOST/PID/ULID`.
pub(crate) fn new_owner() -> String {
    format!("{}/{}/{}", hostname().unwrap_or_default(), std::process::id(), hookline_model::ids::generate("own_"))
}

/// Whether `owner` names a process of this machine that no longer exists.
pub(crate) fn is_gone(owner: &str) -> bool {
    let mut parts = owner.splitn(3, '/');
    let (Some(host), Some(pid), Some(_)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let Ok(pid) = pid.parse::<u32>() else { return false };
    if host.is_empty() || Some(host) != hostname().as_deref() {
        return false;
    }
    process_is_gone(pid)
}

#[cfg(target_os = "linux")]
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty())
}

#[cfg(target_os = "linux")]
fn process_is_gone(pid: u32) -> bool {
    // A zombie (killed, not yet reaped by its parent) is gone as well: it runs nothing.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

// Elsewhere no cheap check is known: claims simply expire.
#[cfg(not(target_os = "linux"))]
fn hostname() -> Option<String> {
    None
}

#[cfg(not(target_os = "linux"))]
fn process_is_gone(_pid: u32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_child_is_gone() {
        let me = new_owner();
        assert!(!is_gone(&me), "the running process is not gone: {me}");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let owner = format!("{}/{pid}/own_x", hostname().unwrap_or_default());
        assert_eq!(is_gone(&owner), cfg!(target_os = "linux"), "an ended process is gone where it can be checked");
        assert!(!is_gone(&format!("another-host/{pid}/own_x")), "owners on other machines are left to the lease");
        assert!(!is_gone("not an owner"), "a name that does not read is left alone");
    }
}
