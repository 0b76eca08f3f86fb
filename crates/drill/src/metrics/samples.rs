//! One series' samples, stored compactly: fixed-size chunks of f64 values, each chunk's
//! timestamps as a start plus either a fixed step (regular scrapes: no per-sample cost) or
//! 32-bit offsets. A full chunk's values are sealed, compressed losslessly with pco, so a
//! large cluster's history grows by bytes per sample, not eight. Samples must be appended in
//! strictly increasing time order.

use std::borrow::Cow;

/// Samples per chunk (half an hour of scrapes): the open chunk is the uncompressed part of
/// every series, so at 750,000 series (150,000 pods) it bounds the raw history to 0.7 GB;
/// sealed chunks of this size cost about 6 bytes a sample for a noisy counter, 1.4 for a
/// gauge that stays put.
const CHUNK: usize = 120;

#[derive(Debug)]
struct Chunk {
    t0: i64,
    /// The fixed step when `offsets` is empty (0 while the chunk has one sample).
    step: u32,
    /// Offsets from `t0`, once the chunk's timestamps stopped being regular.
    offsets: Vec<u32>,
    values: Values,
}

/// A chunk's values: still taking samples, or full and compressed.
#[derive(Debug)]
enum Values {
    Open(Vec<f64>),
    Sealed { len: usize, bytes: Box<[u8]> },
}

impl Chunk {
    fn new(t: i64, v: f64) -> Chunk {
        // Grown as samples come, not reserved whole: a cluster of 150,000 pods has most of a
        // million series, and a full chunk reserved for each was 3 GB before the second scrape.
        Chunk {
            t0: t,
            step: 0,
            offsets: Vec::new(),
            values: Values::Open(vec![v]),
        }
    }

    fn len(&self) -> usize {
        match &self.values {
            Values::Open(v) => v.len(),
            Values::Sealed { len, .. } => *len,
        }
    }

    /// The chunk's values, decompressed when sealed.
    fn values(&self) -> Cow<'_, [f64]> {
        match &self.values {
            Values::Open(v) => Cow::Borrowed(v),
            Values::Sealed { bytes, .. } => match pco::standalone::simple_decompress::<f64>(bytes) {
                Ok(v) => Cow::Owned(v),
                Err(e) => {
                    tracing::error!(error = %e, "a sealed chunk of samples did not decompress");
                    Cow::Owned(Vec::new())
                }
            },
        }
    }

    /// Compresses a chunk that takes no more samples (kept open if compression does not pay).
    fn seal(&mut self) {
        let Values::Open(v) = &self.values else {
            return;
        };
        if let Ok(bytes) = pco::standalone::simple_compress(v, &pco::ChunkConfig::default())
            && bytes.len() < v.len() * std::mem::size_of::<f64>()
        {
            self.values = Values::Sealed {
                len: v.len(),
                bytes: bytes.into_boxed_slice(),
            };
        } else if let Values::Open(v) = &mut self.values {
            v.shrink_to_fit();
        }
        self.offsets.shrink_to_fit();
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
                let mut offsets = Vec::with_capacity(n + 1);
                offsets.extend((0..n as u32).map(|i| self.step * i));
                self.offsets = offsets;
            }
        }
        let Values::Open(values) = &mut self.values else {
            return false;
        };
        if !self.offsets.is_empty() {
            self.offsets.push(delta);
        }
        values.push(v);
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
            + match &self.values {
                Values::Open(v) => v.capacity() * std::mem::size_of::<f64>(),
                Values::Sealed { bytes, .. } => bytes.len(),
            }
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
            last.seal();
        }
        // Room for one chunk at first: a first push would make room for four (a few hundred
        // bytes for each of the ~600,000 series of a 150,000-pod drill), and a chunk holds half
        // an hour of a 15 s scrape. A longer series grows as a vector does.
        if self.chunks.is_empty() {
            self.chunks.reserve_exact(1);
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
        Some((chunk.time(i), *chunk.values().get(i)?))
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
            values: self.chunks.get(ci).map(Chunk::values).unwrap_or_default(),
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
    /// The current chunk's values.
    values: Cow<'a, [f64]>,
    i: usize,
    maxt: i64,
}

impl Iterator for SampleIter<'_> {
    type Item = (i64, f64);

    fn next(&mut self) -> Option<(i64, f64)> {
        loop {
            let c = self.chunks.get(self.chunk)?;
            // (A chunk that failed to decompress has no values: it is skipped, not read past.)
            if self.i < c.len() && self.i < self.values.len() {
                let t = c.time(self.i);
                if t > self.maxt {
                    self.chunk = self.chunks.len();
                    return None;
                }
                let v = self.values[self.i];
                self.i += 1;
                return Some((t, v));
            }
            self.chunk += 1;
            self.i = 0;
            if let Some(next) = self.chunks.get(self.chunk) {
                self.values = next.values();
            }
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
            want[CHUNK - 1].0,
            want[CHUNK].0 - 1,
            want[CHUNK].0,
            want[1500].0 + 7,
        ] {
            let exp = want.iter().copied().rfind(|&(t, _)| t <= probe);
            assert_eq!(s.last_at_or_before(probe), exp, "probe {probe}");
        }
    }

    #[test]
    fn sealed_chunks_keep_every_value_and_cost_a_fraction_of_eight_bytes_a_sample() {
        // Three days of a counter growing at a jittered rate, as the drill's CPU series do,
        // and of a gauge that never changes, as most kube-state-metrics series do.
        let (mut counter, mut gauge) = (Samples::default(), Samples::default());
        let (mut total, mut seed, mut want) = (0.0_f64, 7_u64, Vec::new());
        for i in 0..17_280 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            total += 0.05 * 15.0 * (1.0 + 0.15 * ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5));
            counter.push(i * 15_000, total).expect("push");
            gauge.push(i * 15_000, 0.25).expect("push");
            want.push((i * 15_000, total));
        }
        assert_eq!(all(&counter), want, "sealing is lossless");
        assert_eq!(counter.last_at_or_before(100 * 15_000 + 1), Some(want[100]));
        let per_sample = |s: &Samples| s.bytes() as f64 / 17_280.0;
        assert!(
            per_sample(&counter) < 6.5,
            "counter: {} bytes a sample",
            per_sample(&counter)
        );
        assert!(per_sample(&gauge) < 1.5, "gauge: {} bytes a sample", per_sample(&gauge));
    }
}
