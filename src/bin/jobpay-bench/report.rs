//! Figures of a run, and the probes that gather them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a scenario measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub scenario: &'static str,
    pub calls: usize,
    pub concurrency: usize,
    pub connections: usize,
    pub wall: Duration,
    /// Outcome (OK or code/reason) -> count.
    pub outcomes: BTreeMap<String, usize>,
    /// Latency of every call, sorted.
    pub latencies: Vec<Duration>,
    /// Server transaction retries during the run (from /metrics).
    pub retries: Option<u64>,
    /// Server memory: (peak RSS sampled during the run, VmHWM), in KiB.
    pub memory: Option<(u64, u64)>,
    /// Scenario-specific checks, e.g. "money conserved: yes".
    pub notes: Vec<String>,
}

impl Report {
    pub fn calls_per_second(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    /// The q-quantile latency (0.5 = median).
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario     {}", self.scenario)?;
        writeln!(
            f,
            "calls        {} (concurrency {}, {} connections)",
            self.calls, self.concurrency, self.connections
        )?;
        writeln!(f, "wall time    {:.3} s", self.wall.as_secs_f64())?;
        writeln!(f, "throughput   {:.0} calls/s", self.calls_per_second())?;
        writeln!(
            f,
            "latency      p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            self.percentile(1.0).as_secs_f64() * 1e3
        )?;
        for (outcome, count) in &self.outcomes {
            writeln!(f, "outcome      {outcome}: {count}")?;
        }
        match self.retries {
            Some(retries) => writeln!(
                f,
                "retries      {retries} transaction retries on the server"
            )?,
            None => writeln!(f, "retries      (pass --metrics to report)")?,
        }
        match self.memory {
            Some((peak, hwm)) => writeln!(
                f,
                "server RSS   peak {:.1} MiB during the run (VmHWM {:.1} MiB)",
                peak as f64 / 1024.0,
                hwm as f64 / 1024.0
            )?,
            None => writeln!(f, "server RSS   (pass --server-pid to report)")?,
        }
        for note in &self.notes {
            writeln!(f, "check        {note}")?;
        }
        Ok(())
    }
}

/// `jobpay_transaction_retries_total` from a Prometheus endpoint.
pub async fn scrape_retries(url: &str) -> Result<u64, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--metrics must be an http:// URL")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("cannot reach --metrics {url}: {e}"))?;
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut body = String::new();
    stream
        .read_to_string(&mut body)
        .await
        .map_err(|e| e.to_string())?;
    body.lines()
        .find_map(|line| line.strip_prefix("jobpay_transaction_retries_total "))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("no jobpay_transaction_retries_total at {url}"))
}

/// Samples a process's resident memory every 20 ms.
pub struct MemorySampler {
    pid: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS:`, `VmHWM:`).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

impl MemorySampler {
    pub fn start(pid: u32) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let task = {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(rss) = status_kib(pid, "VmRSS:") {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        MemorySampler {
            pid,
            stop,
            peak,
            task,
        }
    }

    /// (peak RSS seen, VmHWM) in KiB.
    pub async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        (
            self.peak.load(Ordering::Relaxed),
            status_kib(self.pid, "VmHWM:").unwrap_or(0),
        )
    }
}
