//! Russian word embeddings for the similarity fallback of intent matching: the navec news vectors
//! (250 K words × 300 d, MIT, from the `natasha` wheel on PyPI), cut to their lemmas and kept
//! product-quantised by `scripts/build-embeddings.sh` into `assets/lexicon/navec-lemmas.bin`.
//!
//! The file is compiled into the binary, so every desktop matches alike. Parsing it takes a
//! moment: front ends call [`Embeddings::preload`] at start-up, and a match that needs the
//! vectors before then waits for the same load — the result never depends on timing.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The quantised vectors, compiled in.
const BUNDLED: &[u8] = include_bytes!("../../../assets/lexicon/navec-lemmas.bin");

/// The file's magic bytes.
const MAGIC: &[u8] = b"CCNAVEC1";

/// Lemma vectors, product-quantised: each word is a code per subvector, each code a centroid.
pub struct Embeddings {
    ids: HashMap<&'static str, u32>,
    codes: &'static [u8],
    /// Subvectors × centroids × sub-dimension.
    table: Vec<f32>,
    subvectors: usize,
    centroids: usize,
    sub_dim: usize,
    norms: Vec<f32>,
}

impl std::fmt::Debug for Embeddings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Embeddings")
            .field("words", &self.ids.len())
            .finish_non_exhaustive()
    }
}

impl Embeddings {
    /// The bundled vectors, parsed on first use; `None` only for a broken build.
    pub fn shared() -> Option<&'static Embeddings> {
        static SHARED: OnceLock<Option<Embeddings>> = OnceLock::new();
        SHARED.get_or_init(|| Embeddings::parse(BUNDLED)).as_ref()
    }

    /// Parses the bundled vectors anew (the shared copy is parsed once): for benchmarks.
    pub fn parse_bundled() -> Option<Embeddings> {
        Embeddings::parse(BUNDLED)
    }

    /// Starts parsing the vectors on a background thread, so the first reply does not wait.
    pub fn preload() {
        std::thread::Builder::new()
            .name("embeddings".to_owned())
            .spawn(|| {
                Embeddings::shared();
            })
            .ok();
    }

    fn parse(bytes: &'static [u8]) -> Option<Embeddings> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let number = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let (words, dim, subvectors, centroids) = (number(0)?, number(4)?, number(8)?, number(12)?);
        if subvectors == 0 || dim % subvectors != 0 {
            return None;
        }
        let sub_dim = dim / subvectors;
        let table_bytes = subvectors * centroids * sub_dim * 4;
        let mut at = 16;
        let table: Vec<f32> = rest
            .get(at..at + table_bytes)?
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        at += table_bytes;
        let mut ids = HashMap::with_capacity(words);
        for index in 0..words {
            let length = usize::from(*rest.get(at)?);
            let word = std::str::from_utf8(rest.get(at + 1..at + 1 + length)?).ok()?;
            ids.insert(word, u32::try_from(index).ok()?);
            at += 1 + length;
        }
        let codes = rest.get(at..at + words * subvectors)?;
        let mut embeddings = Embeddings {
            ids,
            codes,
            table,
            subvectors,
            centroids,
            sub_dim,
            norms: Vec::new(),
        };
        embeddings.norms = (0..words)
            .map(|word| embeddings.dot(word, word).sqrt())
            .collect();
        Some(embeddings)
    }

    /// How many lemmas have a vector.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn dot(&self, a: usize, b: usize) -> f32 {
        let codes_a = &self.codes[a * self.subvectors..(a + 1) * self.subvectors];
        let codes_b = &self.codes[b * self.subvectors..(b + 1) * self.subvectors];
        let mut sum = 0.0;
        for (subvector, (&code_a, &code_b)) in codes_a.iter().zip(codes_b).enumerate() {
            let base = subvector * self.centroids;
            let x = &self.table[(base + usize::from(code_a)) * self.sub_dim..][..self.sub_dim];
            let y = &self.table[(base + usize::from(code_b)) * self.sub_dim..][..self.sub_dim];
            sum += x.iter().zip(y).map(|(x, y)| x * y).sum::<f32>();
        }
        sum
    }

    /// Cosine similarity of two lemmas, when both have vectors.
    pub fn similarity(&self, a: &str, b: &str) -> Option<f32> {
        let a = *self.ids.get(a)? as usize;
        let b = *self.ids.get(b)? as usize;
        let norms = self.norms[a] * self.norms[b];
        (norms > 0.0).then(|| self.dot(a, b) / norms)
    }
}
