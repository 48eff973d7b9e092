//! A client-side latency distribution (value, cumulative count) and its HdrHistogram
//! `.hgrm` text form.

/// Cumulative latency points: `count` requests took at most `value_ms`.
#[derive(Debug, Clone, Default)]
pub struct Dist {
    /// Sorted by value; counts strictly increase.
    pub points: Vec<(f64, u64)>,
    pub total: u64,
    pub mean_ms: f64,
    pub max_ms: f64,
}

impl Dist {
    /// Builds a distribution from unordered points (redis-benchmark prints two overlapping
    /// lists); keeps, for each count, the smallest value that reaches it.
    pub fn from_points(mut points: Vec<(f64, u64)>, total: u64, mean_ms: f64, max_ms: f64) -> Dist {
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut out: Vec<(f64, u64)> = Vec::with_capacity(points.len());
        for (v, c) in points {
            match out.last() {
                Some(&(_, last)) if c <= last => {}
                _ => out.push((v, c)),
            }
        }
        Dist {
            points: out,
            total,
            mean_ms,
            max_ms,
        }
    }

    /// The smallest recorded value at or above which a fraction `q` of requests finished.
    pub fn quantile(&self, q: f64) -> f64 {
        let need = (q * self.total as f64).ceil() as u64;
        self.points
            .iter()
            .find(|&&(_, c)| c >= need)
            .map_or(self.max_ms, |&(v, _)| v)
    }

    pub fn percentile(&self, count: u64) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            count as f64 / self.total as f64
        }
    }

    /// HdrHistogram's "1/(1-p)" axis value of a point; the last point (p = 1) sits at
    /// `total`, where one request in `total` would be.
    pub fn inverse_tail(&self, count: u64) -> f64 {
        let p = self.percentile(count);
        if count >= self.total {
            self.total.max(1) as f64
        } else {
            1.0 / (1.0 - p)
        }
    }

    /// The `.hgrm` text HdrHistogram's `outputPercentileDistribution` writes (values in
    /// ms), which HdrHistogram's plotting tools read.
    pub fn to_hgrm(&self, source: &str) -> String {
        let mut s = format!("# {source}\n");
        s.push_str("       Value     Percentile TotalCount 1/(1-Percentile)\n\n");
        for &(v, c) in &self.points {
            let p = self.percentile(c);
            if c >= self.total {
                s.push_str(&format!("{v:12.3} {p:1.12} {c:10}\n"));
            } else {
                s.push_str(&format!(
                    "{v:12.3} {p:1.12} {c:10} {:14.2}\n",
                    1.0 / (1.0 - p)
                ));
            }
        }
        s.push_str(&format!(
            "#[Mean    = {:12.3}, StdDeviation   =          n/a]\n",
            self.mean_ms
        ));
        s.push_str(&format!(
            "#[Max     = {:12.3}, Total count    = {:12}]\n",
            self.max_ms, self.total
        ));
        s
    }
}
