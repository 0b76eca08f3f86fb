//! One series' samples, stored compactly: fixed-size chunks of f64 values, each chunk's
//! timestamps as a start plus either a fixed step (regular scrapes: no per-sample cost) or
//! 32-bit offsets. Samples must be appended in strictly increasing time order.

/// Samples per chunk: small enough that a half-filled last chunk wastes little.
const CHUNK: usize = 512;

#[derive(Debug)]
struct Chunk {
    t0: i64,
    /// The fixed step when `offsets` is empty (0 while the chunk has one sample).
    step: u32,
    /// Offsets from `t0`, once the chunk's timestamps stopped being regular.
    offsets: Vec<u32>,
    values: Vec<f64>,
}

impl Chunk {
    fn new(t: i64, v: f64) -> Chunk {
        let mut values = Vec::with_capacity(CHUNK);
        values.push(v);
        Chunk {
            t0: t,
            step: 0,
            offsets: Vec::new(),
            values,
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn time(&self, i: usize) -> i64 {
        if self.offsets.is_empty() {
            self.t0 + i64::from(self.step) * i as i64
        } else {
            self.t0 + i64::from(self.offsets[i])
        }
    }

    fn last_time(&self) -> i64 {
        self.time(self.len() - 1)
    }

    /// Appends if the sample fits this chunk; false when a new chunk is needed.
    fn try_push(&mut self, t: i64, v: f64) -> bool {
        let n = self.len();
        if n >= CHUNK {
            return false;
        }
        let Some(delta) = t.checked_sub(self.t0).and_then(|d| u32::try_from(d).ok()) else {
            return false;
        };
        if self.offsets.is_empty() {
            if n == 1 {
                self.step = delta;
            } else if u64::from(self.step) * n as u64 != u64::from(delta) {
                let mut offsets = Vec::with_capacity(CHUNK);
                offsets.extend((0..n as u32).map(|i| self.step * i));
                self.offsets = offsets;
            }
        }
        if !self.offsets.is_empty() {
            self.offsets.push(delta);
        }
        self.values.push(v);
        true
    }

    /// Index of the first sample at or after `t` (`len()` when none).
    fn first_at_or_after(&self, t: i64) -> usize {
        if t <= self.t0 {
            return 0;
        }
        let n = self.len();
        let d = t.saturating_sub(self.t0) as u64;
        if self.offsets.is_empty() {
            if self.step == 0 {
                return n;
            }
            let i = d.div_ceil(u64::from(self.step));
            return usize::try_from(i).map_or(n, |i| i.min(n));
        }
        match u32::try_from(d) {
            Ok(d) => self.offsets.partition_point(|&o| o < d),
            Err(_) => n,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    fn bytes(&self) -> usize {
        std::mem::size_of::<Chunk>()
            + self.values.capacity() * std::mem::size_of::<f64>()
            + self.offsets.capacity() * std::mem::size_of::<u32>()
    }
}

/// Why a sample was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendError {
    /// The timestamp is not after the series' last sample.
    OutOfOrder { last_ms: i64, t_ms: i64 },
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::OutOfOrder { last_ms, t_ms } => write!(
                f,
                "out of order sample: {t_ms} ms is not after the last sample at {last_ms} ms"
            ),
        }
    }
}

impl std::error::Error for AppendError {}

/// The samples of one series, in time order.
#[derive(Debug, Default)]
pub struct Samples {
    chunks: Vec<Chunk>,
    len: usize,
}

impl Samples {
    #[cfg(any(test, feature = "internals"))]
    pub fn len(&self) -> usize {
        self.len
    }

    #[cfg(feature = "internals")]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a sample; its time must be after the last one.
    pub fn push(&mut self, t_ms: i64, v: f64) -> Result<(), AppendError> {
        if let Some(last) = self.chunks.last_mut() {
            let last_ms = last.last_time();
            if t_ms <= last_ms {
                return Err(AppendError::OutOfOrder { last_ms, t_ms });
            }
            if last.try_push(t_ms, v) {
                self.len += 1;
                return Ok(());
            }
        }
        self.chunks.push(Chunk::new(t_ms, v));
        self.len += 1;
        Ok(())
    }

    /// The latest sample at or before `t_ms`.
    pub fn last_at_or_before(&self, t_ms: i64) -> Option<(i64, f64)> {
        let ci = self.chunks.partition_point(|c| c.t0 <= t_ms);
        let chunk = self.chunks.get(ci.checked_sub(1)?)?;
        // The chunk starts at or before t, so at least its first sample qualifies.
        let after = chunk.first_at_or_after(t_ms.saturating_add(1));
        let i = after.checked_sub(1)?;
        Some((chunk.time(i), chunk.values[i]))
    }

    /// Appends to `out` every sample with `mint <= t <= maxt`.
    pub fn collect(&self, mint: i64, maxt: i64, out: &mut Vec<(i64, f64)>) {
        for (t, v) in self.range(mint, maxt) {
            out.push((t, v));
        }
    }

    /// Iterates the samples with `mint <= t <= maxt`.
    pub fn range(&self, mint: i64, maxt: i64) -> SampleIter<'_> {
        let ci = self.chunks.partition_point(|c| c.t0 <= mint).saturating_sub(1);
        let i = self.chunks.get(ci).map(|c| c.first_at_or_after(mint)).unwrap_or(0);
        SampleIter {
            chunks: &self.chunks,
            chunk: ci,
            i,
            maxt,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// Bytes held, counting allocated capacity.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(Chunk::bytes).sum::<usize>()
            + (self.chunks.capacity() - self.chunks.len()) * std::mem::size_of::<Chunk>()
    }
}

/// Iterator over a time range of a series' samples.
pub struct SampleIter<'a> {
    chunks: &'a [Chunk],
    chunk: usize,
    i: usize,
    maxt: i64,
}

impl Iterator for SampleIter<'_> {
    type Item = (i64, f64);

    fn next(&mut self) -> Option<(i64, f64)> {
        loop {
            let c = self.chunks.get(self.chunk)?;
            if self.i < c.len() {
                let t = c.time(self.i);
                if t > self.maxt {
                    self.chunk = self.chunks.len();
                    return None;
                }
                let v = c.values[self.i];
                self.i += 1;
                return Some((t, v));
            }
            self.chunk += 1;
            self.i = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &Samples) -> Vec<(i64, f64)> {
        s.range(i64::MIN, i64::MAX).collect()
    }

    #[test]
    fn regular_and_irregular_round_trip() {
        let mut s = Samples::default();
        let mut want = Vec::new();
        let mut t = 1_000;
        for i in 0..2000 {
            // Regular for a while, then jittered, across several chunks.
            t += if i < 700 { 15_000 } else { 15_000 + (i % 7) * 113 };
            s.push(t, i as f64).expect("push");
            want.push((t, i as f64));
        }
        assert_eq!(all(&s), want);
        assert_eq!(s.len(), 2000);
        assert!(s.push(t, 0.0).is_err());
        // Windows and lookups agree with a linear scan.
        for &(lo, hi) in &[(0, 50_000), (want[600].0, want[800].0 + 1), (want[1999].0, i64::MAX)] {
            let got: Vec<_> = s.range(lo, hi).collect();
            let exp: Vec<_> = want.iter().copied().filter(|&(t, _)| t >= lo && t <= hi).collect();
            assert_eq!(got, exp);
        }
        for probe in [
            0,
            want[0].0,
            want[0].0 + 1,
            want[511].0,
            want[512].0 - 1,
            want[1500].0 + 7,
        ] {
            let exp = want.iter().copied().rfind(|&(t, _)| t <= probe);
            assert_eq!(s.last_at_or_before(probe), exp, "probe {probe}");
        }
    }

    #[test]
    fn regular_series_cost_about_eight_bytes_a_sample() {
        let mut s = Samples::default();
        for i in 0..17_280 {
            s.push(i * 15_000, 1.0).expect("push");
        }
        let per_sample = s.bytes() as f64 / 17_280.0;
        assert!(per_sample < 8.6, "{per_sample}");
    }
}
