//! A process's CPU time and resident memory, read from `/proc` (Linux).

use std::io;

/// Clock ticks per second in `/proc/PID/stat`. Linux fixes `USER_HZ` at 100 for every
/// architecture this runs on, whatever the kernel's internal tick rate.
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU seconds the process has used so far, summed over all its threads.
pub fn cpu_seconds(pid: u32) -> io::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_cpu_seconds(&stat).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected /proc/{pid}/stat: {stat}"),
        )
    })
}

/// The CPU seconds of this process.
pub fn own_cpu_seconds() -> io::Result<f64> {
    cpu_seconds(std::process::id())
}

/// The process's resident set size (`VmRSS`) in KiB.
pub fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_rss_kib(&status).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("no VmRSS line in /proc/{pid}/status"),
        )
    })
}

/// CPU seconds the whole machine has been busy (all cores, all processes, kernel included),
/// from the first line of `/proc/stat`. Compared with a process's own time it shows how much
/// other work competed for the cores during a measurement.
pub fn machine_busy_seconds() -> io::Result<f64> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    parse_machine_busy(&stat)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/stat"))
}

fn parse_machine_busy(stat: &str) -> Option<f64> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_ascii_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Some(busy as f64 / TICKS_PER_SECOND)
}

fn parse_cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) is in parentheses and may itself hold spaces or `)`, so
    // count fields from the last `)`: state is field 3, utime field 14, stime field 15.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_SECOND)
}

fn parse_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_ascii_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utime_and_stime_after_an_awkward_name() {
        let stat = "1234 (a) b) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 1 1 1";
        assert_eq!(parse_cpu_seconds(stat), Some(3.0));
    }

    #[test]
    fn parses_vmrss() {
        let status = "Name:\tx\nVmPeak:\t  9 kB\nVmRSS:\t   12345 kB\nThreads:\t2\n";
        assert_eq!(parse_rss_kib(status), Some(12345));
    }

    #[test]
    fn machine_busy_leaves_out_idle_and_iowait() {
        let stat = "cpu  100 5 50 9000 300 1 2 3 7 0\ncpu0 1 2 3 4 5 6 7 8 9 0\n";
        assert_eq!(parse_machine_busy(stat), Some(1.61));
    }

    #[test]
    fn reads_this_process() {
        assert!(machine_busy_seconds().unwrap() > 0.0);
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        assert!(own_cpu_seconds().unwrap() >= 0.0);
    }
}
