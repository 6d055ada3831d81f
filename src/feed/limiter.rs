//! The upstream's rate limit: never more than `limit` requests in any
//! `window` (a sliding window, failures included). The times of the last
//! requests are kept in the database with the cursor, so the limit holds
//! across restarts and across replicas handing the feed over.

use std::time::Duration;

/// A little more than the window between the oldest remembered request and
/// the next one, for the upstream's clock and network jitter.
const MARGIN: Duration = Duration::from_millis(250);

/// Request times (Unix milliseconds), oldest first, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestLog {
    times: Vec<i64>,
}

impl RequestLog {
    /// Reads the stored form (comma-separated milliseconds); anything
    /// unreadable is dropped (and then the window is waited out in full:
    /// see [`RequestLog::wait`]).
    pub fn parse(text: &str) -> RequestLog {
        let mut times: Vec<i64> = text
            .split(',')
            .filter_map(|t| t.trim().parse().ok())
            .collect();
        times.sort_unstable();
        RequestLog { times }
    }

    pub fn render(&self) -> String {
        self.times
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How long to wait from `now_ms` before the next request may go out:
    /// zero while fewer than `limit` requests lie within the last window.
    pub fn wait(&self, now_ms: i64, limit: u32, window: Duration) -> Duration {
        let limit = limit.max(1) as usize;
        if self.times.len() < limit {
            return Duration::ZERO;
        }
        // The request `limit` places back must have left the window.
        let oldest = self.times[self.times.len() - limit];
        let free_at = oldest + (window + MARGIN).as_millis() as i64;
        Duration::from_millis(free_at.saturating_sub(now_ms).max(0) as u64)
    }

    /// Records a request sent at `now_ms`, keeping the last `limit`.
    pub fn record(&mut self, now_ms: i64, limit: u32) {
        self.times.push(now_ms);
        self.times.sort_unstable();
        let keep = limit.max(1) as usize;
        if self.times.len() > keep {
            self.times.drain(..self.times.len() - keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn never_more_than_the_limit_in_any_window() {
        // Simulate a greedy sender for ten minutes: it sends as soon as the
        // log allows. No 60 s interval may hold more than 5 requests.
        let mut log = RequestLog::default();
        let mut now = 1_000_000_i64;
        let mut sent = Vec::new();
        while now < 1_000_000 + 600_000 {
            let wait = log.wait(now, 5, MINUTE);
            now += wait.as_millis() as i64;
            log.record(now, 5);
            sent.push(now);
            now += 1;
        }
        for (i, start) in sent.iter().enumerate() {
            let within = sent[i..]
                .iter()
                .take_while(|t| **t < start + 60_000)
                .count();
            assert!(
                within <= 5,
                "{within} requests within a minute from {start}"
            );
        }
        // And it is not needlessly slow: about 5 a minute.
        assert!(sent.len() >= 45, "{}", sent.len());
    }

    #[test]
    fn survives_its_stored_form() {
        let mut log = RequestLog::default();
        for t in [5, 1, 3] {
            log.record(t, 2);
        }
        assert_eq!(log.render(), "3,5");
        assert_eq!(RequestLog::parse("3,5"), log);
        assert_eq!(RequestLog::parse("x,,7"), RequestLog { times: vec![7] });
    }
}
