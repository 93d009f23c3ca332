//! Open-file limit: every client is a socket, and with the link proxy on it is three (client,
//! proxy's two ends). Many systems start processes at a soft limit of 1024, which a scenario
//! with a few hundred clients exceeds; the hard limit is usually far higher, so raise the soft
//! one to it, and say clearly when even that is not enough instead of failing mid-ramp with
//! "Too many open files".

/// File descriptors a case with `clients` clients needs, plus headroom for the broker's
/// listener, results files and the runtime.
pub fn descriptors_needed(clients: u64, proxied: bool, embedded: bool) -> u64 {
    let per_client = 1 + if proxied { 2 } else { 0 } + if embedded { 1 } else { 0 };
    clients * per_client + 64
}

/// Raises the soft open-file limit towards the hard one if `needed` exceeds it.
#[cfg(unix)]
// rlim_t is u64 on Linux but not on every Unix.
#[allow(clippy::unnecessary_cast)]
pub fn ensure_descriptors(needed: u64) -> Result<(), String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read or write the struct passed by pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Ok(()); // Unknown: let the OS say so if it comes to that.
    }
    if lim.rlim_cur == libc::RLIM_INFINITY || lim.rlim_cur as u64 >= needed {
        return Ok(());
    }
    let hard = if lim.rlim_max == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        lim.rlim_max as u64
    };
    if hard < needed {
        return Err(format!(
            "this scenario needs about {needed} open files (sockets) but the hard limit is {hard}; \
             raise it (ulimit -Hn, or LimitNOFILE= for a service) or use fewer clients"
        ));
    }
    lim.rlim_cur = needed as libc::rlim_t;
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(format!(
            "this scenario needs about {needed} open files but the limit is {} and could not be raised: {}",
            lim.rlim_cur,
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn ensure_descriptors(_needed: u64) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_and_embedded_broker_each_add_a_socket_per_client() {
        assert_eq!(descriptors_needed(1000, false, false), 1064);
        assert_eq!(descriptors_needed(1000, true, true), 4064);
    }

    #[test]
    fn a_need_within_the_current_limit_changes_nothing() {
        assert!(ensure_descriptors(16).is_ok());
    }
}
