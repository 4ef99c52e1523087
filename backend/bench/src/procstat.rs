//! A process's (or one thread's) CPU time and resident memory, read from `/proc` (Linux), and
//! pinning threads and processes to a core with `taskset`.

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

/// The kernel id of the calling thread (field 1 of `/proc/thread-self/stat`).
pub fn current_thread_id() -> io::Result<u32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat")?;
    stat.split_ascii_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "unexpected /proc/thread-self/stat",
            )
        })
}

/// CPU seconds the calling thread has run so far, to the nanosecond: the first field of
/// `/proc/thread-self/schedstat` (the `stat` ticks are only 10 ms fine).
pub fn thread_cpu_seconds() -> io::Result<f64> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let ns: u64 = schedstat
        .split_ascii_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "unexpected /proc/thread-self/schedstat",
            )
        })?;
    Ok(ns as f64 / 1e9)
}

/// Pins a thread (`all_threads: false`, by its kernel id) or every thread of a process to the
/// cores in `cpus` (a `taskset` list: `0`, `1`, `0-1`), with util-linux's `taskset` (no
/// `unsafe` needed here).
pub fn pin(id: u32, cpus: &str, all_threads: bool) -> io::Result<()> {
    let mut command = std::process::Command::new("taskset");
    if all_threads {
        command.arg("-a");
    }
    let output = command
        .args(["-p", "-c", cpus, &id.to_string()])
        .stdin(std::process::Stdio::null())
        .output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "taskset -p -c {cpus} {id}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// The ids of every process descended from `pid` (children, their children, ...).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            if let Some(parent) = parse_parent(&stat) {
                parent_of.push((child, parent));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let current = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, parent)| *parent == current)
                .map(|(child, _)| *child),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn parse_parent(stat: &str) -> Option<u32> {
    // Field 4 (ppid), the second after the command name's closing `)`.
    stat[stat.rfind(')')? + 1..]
        .split_ascii_whitespace()
        .nth(1)?
        .parse()
        .ok()
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
    fn parses_the_parent_id() {
        let stat = "1234 (a) b) S 77 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 1 1 1";
        assert_eq!(parse_parent(stat), Some(77));
    }

    #[test]
    fn reads_this_thread() {
        assert!(current_thread_id().unwrap() > 0);
        assert!(thread_cpu_seconds().unwrap() >= 0.0);
    }

    #[test]
    fn reads_this_process() {
        assert!(machine_busy_seconds().unwrap() > 0.0);
        assert!(rss_kib(std::process::id()).unwrap() > 0);
        assert!(own_cpu_seconds().unwrap() >= 0.0);
    }
}
