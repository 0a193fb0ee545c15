//! Builds `assets/lexicon/navec-lemmas.bin` from the navec news embeddings that the `natasha`
//! wheel on PyPI ships (`natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar`, MIT):
//! `scripts/build-embeddings.sh` fetches the wheel and runs this.
//!
//! Intent matching looks words up by lemma, so only the vocabulary's lemmas are kept; the
//! product-quantised vectors stay quantised (one byte per 3 dimensions).
//!
//! Output, little-endian: `CCNAVEC1`, then u32 words, dim, subvectors, centroids; the centroid
//! table (subvectors × centroids × dim/subvectors f32); the words (u8 byte length + UTF-8 each);
//! the codes (words × subvectors u8).

use std::io::{BufWriter, Read, Write};

use callcoach_core::text::Morphology;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: navec_lemmas <navec .tar> <output .bin>".into());
    };
    let mut vocab_gz = Vec::new();
    let mut pq = Vec::new();
    let mut archive = tar::Archive::new(std::fs::File::open(&input)?);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        match name.as_str() {
            "vocab.bin" => entry.read_to_end(&mut vocab_gz)?,
            "pq.bin" => entry.read_to_end(&mut pq)?,
            _ => 0,
        };
    }
    let mut vocab = Vec::new();
    flate2::read::GzDecoder::new(vocab_gz.as_slice()).read_to_end(&mut vocab)?;
    let u32_at = |bytes: &[u8], at: usize| {
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes")) as usize
    };
    let size = u32_at(&vocab, 0);
    let words: Vec<&str> = std::str::from_utf8(&vocab[4 + 4 * size..])?
        .split('\n')
        .collect();
    let (vectors, dim, subvectors, centroids) = (
        u32_at(&pq, 0),
        u32_at(&pq, 4),
        u32_at(&pq, 8),
        u32_at(&pq, 12),
    );
    if words.len() != vectors || words.len() != size {
        return Err(format!("{} words for {vectors} vectors", words.len()).into());
    }
    let codes = &pq[16..16 + vectors * subvectors];
    let table = &pq[16 + vectors * subvectors..];
    if table.len() != subvectors * centroids * (dim / subvectors) * 4 {
        return Err("unexpected centroid table size".into());
    }
    let morphology = Morphology::bundled()?;
    let kept: Vec<usize> = (0..vectors)
        .filter(|&index| {
            let word = words[index];
            word.chars().all(|c| c.is_alphabetic() || c == '-')
                && word.len() < 256
                && morphology.read(word).known
                && morphology.pattern_lemma(word) == word
        })
        .collect();
    let mut out = BufWriter::new(std::fs::File::create(&output)?);
    out.write_all(b"CCNAVEC1")?;
    for value in [kept.len(), dim, subvectors, centroids] {
        out.write_all(&u32::try_from(value)?.to_le_bytes())?;
    }
    out.write_all(table)?;
    for &index in &kept {
        out.write_all(&[u8::try_from(words[index].len())?])?;
        out.write_all(words[index].as_bytes())?;
    }
    for &index in &kept {
        out.write_all(&codes[index * subvectors..(index + 1) * subvectors])?;
    }
    out.flush()?;
    println!("{} of {vectors} words kept (lemmas) → {output}", kept.len());
    Ok(())
}
