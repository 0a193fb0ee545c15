//! The converter on a miniature whisper written in CTranslate2's format (every variable of the
//! real model, tiny dimensions, one layer each side): names, shapes, splits and types in the
//! ggml file, and clear errors for a truncated or wrong input. The real model is converted and
//! transcribed in the binary's tests.

use std::collections::BTreeMap;
use std::path::Path;

use callcoach_speech::convert::{ConvertError, Precision, convert};

/// Wide enough for whole Q8_0 blocks (32 values) in every weight matrix.
const STATE: usize = 32;
const VOCAB: usize = 6;

/// A CTranslate2 variable: name, dims, f16 values (counting up so splits can be checked).
fn variable(out: &mut Vec<u8>, name: &str, dims: &[usize]) {
    string(out, name);
    out.push(dims.len() as u8);
    for dim in dims {
        out.extend((*dim as u32).to_le_bytes());
    }
    let count: usize = dims.iter().product();
    out.push(4); // f16
    out.extend(((count * 2) as u32).to_le_bytes());
    for index in 0..count {
        out.extend(half::f16::from_f32(index as f32).to_le_bytes());
    }
}

fn scalar(out: &mut Vec<u8>, name: &str, value: i16) {
    string(out, name);
    out.push(0);
    out.push(2); // i16
    out.extend(2u32.to_le_bytes());
    out.extend(value.to_le_bytes());
}

fn string(out: &mut Vec<u8>, text: &str) {
    out.extend(((text.len() + 1) as u16).to_le_bytes());
    out.extend(text.as_bytes());
    out.push(0);
}

/// A one-layer whisper with an 8-wide state, 4 mel bins and a 6-token vocabulary.
fn micro_model() -> Vec<u8> {
    write_model(&micro_variables())
}

/// The variables of the miniature model: names and dims.
fn micro_variables() -> Vec<(String, Vec<usize>)> {
    let mut vars: Vec<(String, Vec<usize>)> = vec![
        ("encoder/conv1/weight".into(), vec![STATE, 4, 3]),
        ("encoder/conv1/bias".into(), vec![STATE]),
        ("encoder/conv2/weight".into(), vec![STATE, STATE, 3]),
        ("encoder/conv2/bias".into(), vec![STATE]),
        (
            "encoder/position_encodings/encodings".into(),
            vec![10, STATE],
        ),
        ("encoder/layer_norm/gamma".into(), vec![STATE]),
        ("encoder/layer_norm/beta".into(), vec![STATE]),
        ("decoder/embeddings/weight".into(), vec![VOCAB, STATE]),
        (
            "decoder/position_encodings/encodings".into(),
            vec![5, STATE],
        ),
        ("decoder/layer_norm/gamma".into(), vec![STATE]),
        ("decoder/layer_norm/beta".into(), vec![STATE]),
    ];
    let mut block = |prefix: &str, cross: bool| {
        let mut add = |name: &str, dims: Vec<usize>| vars.push((format!("{prefix}/{name}"), dims));
        for norm in ["self_attention/layer_norm", "ffn/layer_norm"] {
            add(&format!("{norm}/gamma"), vec![STATE]);
            add(&format!("{norm}/beta"), vec![STATE]);
        }
        add("self_attention/linear_0/weight", vec![3 * STATE, STATE]);
        add("self_attention/linear_0/bias", vec![3 * STATE]);
        add("self_attention/linear_1/weight", vec![STATE, STATE]);
        add("self_attention/linear_1/bias", vec![STATE]);
        add("ffn/linear_0/weight", vec![4 * STATE, STATE]);
        add("ffn/linear_0/bias", vec![4 * STATE]);
        add("ffn/linear_1/weight", vec![STATE, 4 * STATE]);
        add("ffn/linear_1/bias", vec![STATE]);
        if cross {
            add("attention/layer_norm/gamma", vec![STATE]);
            add("attention/layer_norm/beta", vec![STATE]);
            add("attention/linear_0/weight", vec![STATE, STATE]);
            add("attention/linear_0/bias", vec![STATE]);
            add("attention/linear_1/weight", vec![2 * STATE, STATE]);
            add("attention/linear_1/bias", vec![2 * STATE]);
            add("attention/linear_2/weight", vec![STATE, STATE]);
            add("attention/linear_2/bias", vec![STATE]);
        }
    };
    block("encoder/layer_0", false);
    block("decoder/layer_0", true);
    vars
}

/// A CTranslate2 model file with these variables (f16, counting up) and whisper's scalars.
fn write_model(vars: &[(String, Vec<usize>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(6u32.to_le_bytes());
    string(&mut out, "WhisperSpec");
    out.extend(3u32.to_le_bytes());
    out.extend(((vars.len() + 2) as u32).to_le_bytes());
    for (name, dims) in vars {
        variable(&mut out, name, dims);
    }
    scalar(&mut out, "encoder/num_heads", 2);
    scalar(&mut out, "decoder/num_heads", 2);
    out.extend(1u32.to_le_bytes());
    string(&mut out, "decoder/projection/weight");
    string(&mut out, "decoder/embeddings/weight");
    out
}

/// The vocabulary: GPT-2 forms (Ġ is a space), then the special tokens.
const VOCABULARY: &str = "!\nĠÐ¿\nab\n<|endoftext|>\n<|startoftranscript|>\n<|ru|>\n";

#[derive(Debug)]
struct Ggml {
    hparams: Vec<i32>,
    tokens: Vec<Vec<u8>>,
    tensors: BTreeMap<String, (Vec<usize>, i32, Vec<f32>)>,
}

fn read_ggml(path: &Path) -> Ggml {
    let bytes = std::fs::read(path).expect("ggml file");
    let read_i32 = |at: &mut usize| {
        let value = i32::from_le_bytes(bytes[*at..*at + 4].try_into().expect("4 bytes"));
        *at += 4;
        value
    };
    let mut at = 0;
    assert_eq!(read_i32(&mut at), 0x6767_6d6c, "ggml magic");
    let hparams: Vec<i32> = (0..11).map(|_| read_i32(&mut at)).collect();
    let (mels, bins) = (read_i32(&mut at) as usize, read_i32(&mut at) as usize);
    at += mels * bins * 4;
    let count = read_i32(&mut at) as usize;
    let mut tokens = Vec::new();
    for _ in 0..count {
        let length = read_i32(&mut at) as usize;
        tokens.push(bytes[at..at + length].to_vec());
        at += length;
    }
    let mut tensors = BTreeMap::new();
    while at < bytes.len() {
        let dims = read_i32(&mut at) as usize;
        let name_length = read_i32(&mut at) as usize;
        let kind = read_i32(&mut at);
        let mut shape: Vec<usize> = (0..dims).map(|_| read_i32(&mut at) as usize).collect();
        shape.reverse();
        let name = String::from_utf8(bytes[at..at + name_length].to_vec()).expect("name");
        at += name_length;
        let count: usize = shape.iter().product();
        let values: Vec<f32> = if kind == 8 {
            // Q8_0: per 32 values an f16 scale and 32 signed bytes.
            let blocks = count / 32;
            let values = bytes[at..at + blocks * 34]
                .chunks_exact(34)
                .flat_map(|block| {
                    let scale = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
                    block[2..].iter().map(move |&q| f32::from(q as i8) * scale)
                })
                .collect();
            at += blocks * 34;
            values
        } else if kind == 0 {
            let values = bytes[at..at + count * 4]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect();
            at += count * 4;
            values
        } else {
            let values = bytes[at..at + count * 2]
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect();
            at += count * 2;
            values
        };
        tensors.insert(name, (shape, kind, values));
    }
    Ggml {
        hparams,
        tokens,
        tensors,
    }
}

fn convert_micro(model: &[u8]) -> (tempfile::TempDir, Result<Ggml, ConvertError>) {
    convert_micro_as(model, Precision::F16)
}

fn convert_micro_as(
    model: &[u8],
    precision: Precision,
) -> (tempfile::TempDir, Result<Ggml, ConvertError>) {
    let folder = tempfile::tempdir().expect("temp dir");
    let source = folder.path().join("model.bin");
    let vocabulary = folder.path().join("vocabulary.txt");
    std::fs::write(&source, model).expect("write");
    std::fs::write(&vocabulary, VOCABULARY).expect("write");
    let out = folder.path().join("out.ggml");
    let result =
        convert(&source, &vocabulary, &out, precision, &mut |_| {}).map(|_| read_ggml(&out));
    (folder, result)
}

#[test]
fn the_layout_is_whisper_cpps() {
    let (_folder, ggml) = convert_micro(&micro_model());
    let ggml = ggml.expect("converts");
    // n_vocab, audio ctx/state/heads/layers, text ctx/state/heads/layers, mels, f16.
    let state = STATE as i32;
    assert_eq!(ggml.hparams, vec![6, 10, state, 2, 1, 5, state, 2, 1, 4, 1]);
    // Tokens below <|endoftext|>, as bytes: «Ġ» is a space, «Ð¿» the UTF-8 of «п».
    assert_eq!(
        ggml.tokens,
        vec![b"!".to_vec(), " п".as_bytes().to_vec(), b"ab".to_vec()]
    );
    // Encoder: conv 4 + positions 1 + block 15 + ln_post 2; decoder: embedding and positions 2 +
    // block 24 + ln 2.
    assert_eq!(ggml.tensors.len(), 22 + 28);

    // The fused query/key/value rows are split in order; the key has no bias.
    let (shape, kind, query) = &ggml.tensors["encoder.blocks.0.attn.query.weight"];
    assert_eq!((shape.clone(), *kind), (vec![STATE, STATE], 1));
    assert_eq!(query[0], 0.0);
    let (_, _, key) = &ggml.tensors["encoder.blocks.0.attn.key.weight"];
    assert_eq!(
        key[0],
        (STATE * STATE) as f32,
        "the key starts at row {STATE}"
    );
    let (_, _, value_bias) = &ggml.tensors["decoder.blocks.0.attn.value.bias"];
    assert_eq!(value_bias[0], (2 * STATE) as f32);
    assert!(!ggml.tensors.contains_key("encoder.blocks.0.attn.key.bias"));
    // Cross-attention: key then value from linear_1.
    let (_, _, cross_value) = &ggml.tensors["decoder.blocks.0.cross_attn.value.weight"];
    assert_eq!(cross_value[0], (STATE * STATE) as f32);
    assert!(
        ggml.tensors
            .contains_key("decoder.blocks.0.cross_attn.query.bias")
    );
    assert!(ggml.tensors.contains_key("decoder.blocks.0.mlp.2.weight"));

    // Conv biases become a column and stay f32, as do positions and 1-D tensors.
    let (shape, kind, _) = &ggml.tensors["encoder.conv1.bias"];
    assert_eq!((shape.clone(), *kind), (vec![STATE, 1], 0));
    assert_eq!(ggml.tensors["encoder.positional_embedding"].1, 0);
    assert_eq!(ggml.tensors["decoder.ln.bias"].1, 0);
    assert_eq!(
        ggml.tensors["encoder.conv2.weight"].0,
        vec![STATE, STATE, 3]
    );
    assert_eq!(ggml.tensors["encoder.ln_post.weight"].0, vec![STATE]);
}

#[test]
fn q8_0_blocks_every_weight_matrix_and_keeps_the_rest() {
    let model = micro_model();
    let (_f16_folder, f16) = convert_micro(&model);
    let (_q8_folder, q8) = convert_micro_as(&model, Precision::Q8_0);
    let (f16, q8) = (f16.expect("f16"), q8.expect("q8"));
    // GGML_FTYPE_MOSTLY_Q8_0 with quantisation version 2, as whisper.cpp's quantize writes it.
    assert_eq!(q8.hparams[10], 2007);
    for name in [
        "encoder.blocks.0.attn.query.weight",
        "decoder.blocks.0.cross_attn.value.weight",
        "decoder.blocks.0.mlp.2.weight",
        "decoder.token_embedding.weight",
    ] {
        let (shape, kind, values) = &q8.tensors[name];
        assert_eq!(*kind, 8, "{name} is Q8_0");
        assert_eq!(shape, &f16.tensors[name].0);
        // Each value within half a step of its block's scale (max |x| / 127).
        for (block, exact) in values.chunks(32).zip(f16.tensors[name].2.chunks(32)) {
            let step = exact.iter().fold(0.0f32, |max, x| max.max(x.abs())) / 127.0;
            for (got, want) in block.iter().zip(exact) {
                assert!(
                    (got - want).abs() <= step * 0.5 + want.abs() * 1e-3,
                    "{name}: {got} for {want}"
                );
            }
        }
    }
    // Convolutions stay f16, positions and vectors f32.
    assert_eq!(q8.tensors["encoder.conv2.weight"].1, 1);
    assert_eq!(q8.tensors["encoder.positional_embedding"].1, 0);
    assert_eq!(q8.tensors["decoder.ln.bias"].1, 0);
}

#[test]
fn a_truncated_model_is_refused_and_nothing_is_left_behind() {
    let model = micro_model();
    let (folder, result) = convert_micro(&model[..model.len() / 2]);
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("не модель whisper"), "{error}");
    assert!(
        error.contains("обрез") || error.contains("обрывается"),
        "says it is cut short: {error}"
    );
    assert!(
        error.contains("part1, затем part2"),
        "says what to do: {error}"
    );
    assert!(!folder.path().join("out.ggml").exists());
    assert!(!folder.path().join("out.partial").exists());
}

#[test]
fn a_file_that_is_not_a_model_is_refused() {
    let (_folder, result) = convert_micro(b"RIFF\x24\x00\x00\x00WAVEfmt ");
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("не модель whisper"), "{error}");
    assert!(error.contains("версия формата"), "{error}");
}

#[test]
fn a_vocabulary_of_another_model_is_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let source = folder.path().join("model.bin");
    let vocabulary = folder.path().join("vocabulary.txt");
    std::fs::write(&source, micro_model()).expect("write");
    std::fs::write(&vocabulary, "!\n<|endoftext|>\n").expect("write");
    let error = convert(
        &source,
        &vocabulary,
        &folder.path().join("out.ggml"),
        Precision::F16,
        &mut |_| {},
    )
    .expect_err("refused")
    .to_string();
    assert!(
        error.contains("в словаре 2 строк, в модели 6 токенов"),
        "{error}"
    );
}

#[test]
fn a_variable_of_the_wrong_shape_is_refused_not_a_crash() {
    let mut vars = micro_variables();
    for (name, dims) in &mut vars {
        if name == "encoder/conv1/weight" {
            *dims = vec![STATE * 4 * 3];
        }
    }
    let (_folder, result) = convert_micro(&write_model(&vars));
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("encoder/conv1/weight"), "{error}");
    assert!(error.contains("3 ненулевых измерения"), "{error}");
}
