//! A whisper model from CTranslate2's `model.bin` + `vocabulary.txt` (how the model can be had
//! from the package registries) to whisper.cpp's ggml file, in our own code: the variables are
//! renamed and split the way whisper.cpp's converters lay them out, the mel filter bank is
//! computed (Slaney scale and normalisation, as librosa does), and the vocabulary is decoded from
//! GPT-2's byte-to-character mapping back to bytes.
//!
//! One file over the usual size: it is one pass over one file format (read the tensors, rename,
//! split, convert the precision, write), and each step depends on the layout the one before it
//! produced.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use half::f16;

/// Why a conversion failed, said so the user knows which file and what to do (Russian).
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The file is not a CTranslate2 whisper model, or is cut short.
    #[error(
        "{path}: не модель whisper в формате CTranslate2 ({reason}). Проверьте, что файл скачан целиком; части модели склеиваются по порядку: part1, затем part2."
    )]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The vocabulary does not fit the model.
    #[error("{path}: словарь не подходит к модели ({reason})")]
    Vocabulary {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Element types of CTranslate2 variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl DType {
    fn from_code(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::Bf16,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::Bf16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

/// One variable of the model.
struct Variable {
    dims: Vec<usize>,
    dtype: DType,
    data: Vec<u8>,
}

impl Variable {
    /// The values as f32 (floating types only).
    fn floats(&self) -> Option<Vec<f32>> {
        let chunks = self.data.chunks_exact(self.dtype.size());
        Some(match self.dtype {
            DType::F32 => chunks
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            DType::F16 => chunks
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            DType::Bf16 => chunks
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            DType::I8 | DType::I16 | DType::I32 => return None,
        })
    }

    /// A scalar integer (`num_heads`).
    fn integer(&self) -> Option<i64> {
        let b = &self.data;
        match self.dtype {
            DType::I8 => b.first().map(|&v| i64::from(v as i8)),
            DType::I16 => Some(i64::from(i16::from_le_bytes([*b.first()?, *b.get(1)?]))),
            DType::I32 => Some(i64::from(i32::from_le_bytes(b.get(..4)?.try_into().ok()?))),
            _ => None,
        }
    }
}

/// A parsed CTranslate2 model.
struct Ct2Model {
    path: PathBuf,
    variables: BTreeMap<String, Variable>,
}

/// Reads little-endian values from a byte slice, reporting truncation.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(count)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "файл обрывается: нужно {count} байт с позиции {}, а в нём всего {}",
                self.at,
                self.bytes.len()
            ));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, String> {
        let length = usize::from(self.u16()?);
        let bytes = self.take(length)?;
        let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        String::from_utf8(text.to_vec()).map_err(|_| "имя переменной не в UTF-8".to_owned())
    }
}

impl Ct2Model {
    fn parse(path: &Path, bytes: &[u8]) -> Result<Ct2Model, ConvertError> {
        let not_a_model = |reason: String| ConvertError::NotAModel {
            path: path.to_owned(),
            reason,
        };
        let mut reader = Reader { bytes, at: 0 };
        let version = reader.u32().map_err(not_a_model)?;
        if !(5..=6).contains(&version) {
            return Err(not_a_model(format!(
                "версия формата {version}, ожидалась 5 или 6"
            )));
        }
        let spec = reader.string().map_err(not_a_model)?;
        if spec != "WhisperSpec" {
            return Err(not_a_model(format!(
                "это модель «{spec}», а нужна WhisperSpec"
            )));
        }
        let _revision = reader.u32().map_err(not_a_model)?;
        let count = reader.u32().map_err(not_a_model)?;
        let mut variables = BTreeMap::new();
        for _ in 0..count {
            let (name, variable) = (|| {
                let name = reader.string()?;
                let rank = reader.u8()?;
                let dims = (0..rank)
                    .map(|_| reader.u32().map(|d| d as usize))
                    .collect::<Result<Vec<_>, _>>()?;
                let code = reader.u8()?;
                let dtype = DType::from_code(code)
                    .ok_or_else(|| format!("у переменной {name} неизвестный тип {code}"))?;
                let size = reader.u32()? as usize;
                let data = reader
                    .take(size)
                    .map_err(|reason| format!("переменная {name} обрезана: {reason}"))?;
                let expected = dims.iter().product::<usize>() * dtype.size();
                if expected != size {
                    return Err(format!("у переменной {name} {size} байт вместо {expected}"));
                }
                Ok((
                    name,
                    Variable {
                        dims,
                        dtype,
                        data: data.to_vec(),
                    },
                ))
            })()
            .map_err(not_a_model)?;
            variables.insert(name, variable);
        }
        Ok(Ct2Model {
            path: path.to_owned(),
            variables,
        })
    }

    fn get(&self, name: &str) -> Result<&Variable, ConvertError> {
        self.variables
            .get(name)
            .ok_or_else(|| ConvertError::NotAModel {
                path: self.path.clone(),
                reason: format!("нет переменной {name}"),
            })
    }

    /// A variable's dims, required to have `rank` of them: a malformed model is an error here,
    /// never an index out of bounds later.
    fn shape(&self, name: &str, rank: usize) -> Result<&[usize], ConvertError> {
        let dims = &self.get(name)?.dims;
        if dims.len() != rank || dims.contains(&0) {
            return Err(ConvertError::NotAModel {
                path: self.path.clone(),
                reason: format!(
                    "у переменной {name} размерность {dims:?}, а нужно {rank} ненулевых измерения"
                ),
            });
        }
        Ok(dims)
    }

    /// A variable's values as f32, with its `rank` checked.
    fn floats(&self, name: &str, rank: usize) -> Result<Values, ConvertError> {
        self.shape(name, rank)?;
        let variable = self.get(name)?;
        let values = variable.floats().ok_or_else(|| ConvertError::NotAModel {
            path: self.path.clone(),
            reason: format!(
                "переменная {name} квантована ({:?}); нужна модель float16 или float32",
                variable.dtype
            ),
        })?;
        Ok((variable.dims.clone(), values))
    }

    fn layers(&self, stack: &str) -> usize {
        (0..)
            .take_while(|n| {
                self.variables
                    .contains_key(&format!("{stack}/layer_{n}/ffn/layer_norm/gamma"))
            })
            .count()
    }

    fn integer(&self, name: &str) -> Result<i64, ConvertError> {
        self.get(name)?
            .integer()
            .ok_or_else(|| ConvertError::NotAModel {
                path: self.path.clone(),
                reason: format!("{name} не целое число"),
            })
    }
}

/// How the weight matrices are stored in the ggml file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// float16, as the official `ggml-base.bin`.
    F16,
    /// 8-bit blocks (ggml's `Q8_0`) for the weight matrices, float16 for the convolutions: half
    /// the size and faster on a CPU, as whisper.cpp's own `quantize q8_0` writes it.
    Q8_0,
}

impl Precision {
    /// The ggml file's `ftype`: `GGML_FTYPE_MOSTLY_*`, with the quantisation version (2) in the
    /// thousands for quantised files, as whisper.cpp's `quantize` writes it.
    fn ftype(self) -> usize {
        match self {
            Precision::F16 => 1,
            Precision::Q8_0 => 2007,
        }
    }
}

/// Values per `Q8_0` block.
const Q8_BLOCK: usize = 32;

/// ggml's `quantize_row_q8_0_ref`: per block of 32, an f16 scale `max|x| / 127` and 32 signed
/// bytes `round(x / scale)`.
fn write_q8_0(writer: &mut impl Write, values: &[f32]) -> std::io::Result<()> {
    for block in values.chunks(Q8_BLOCK) {
        let amax = block.iter().fold(0.0f32, |max, value| max.max(value.abs()));
        let scale = amax / 127.0;
        let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
        writer.write_all(&f16::from_f32(scale).to_le_bytes())?;
        let mut bytes = [0u8; Q8_BLOCK];
        for (byte, value) in bytes.iter_mut().zip(block) {
            *byte = ((value * inverse).round() as i8) as u8;
        }
        writer.write_all(&bytes)?;
    }
    Ok(())
}

/// A tensor to write: whisper.cpp's name, dims outermost first, values, and whether it stays f32.
struct Tensor {
    name: String,
    dims: Vec<usize>,
    values: Vec<f32>,
    keep_f32: bool,
}

/// Rows `from..to` of a row-major matrix (or vector, with one value per row).
fn rows(dims: &[usize], values: &[f32], from: usize, to: usize) -> Values {
    let width: usize = dims.iter().skip(1).product();
    let mut shape = dims.to_vec();
    shape[0] = to - from;
    (shape, values[from * width..to * width].to_vec())
}

/// What a conversion produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The ggml file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Tensors written.
    pub tensors: usize,
}

/// Converts `model` (CTranslate2 `model.bin`) with `vocabulary` (`vocabulary.txt`) to a ggml file
/// at `out`, written to a temporary file first so a failure never leaves half a model behind.
/// `progress` is told the share done, 0.0 to 1.0.
pub fn convert(
    model: &Path,
    vocabulary: &Path,
    out: &Path,
    precision: Precision,
    progress: &mut dyn FnMut(f32),
) -> Result<Converted, ConvertError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error: std::io::Error| ConvertError::Io {
            path,
            reason: error.to_string(),
        }
    };
    let bytes = std::fs::read(model).map_err(io(model))?;
    let ct2 = Ct2Model::parse(model, &bytes)?;
    drop(bytes);
    progress(0.2);
    let tokens = read_vocabulary(vocabulary)?;

    let n_vocab = ct2.shape("decoder/embeddings/weight", 2)?[0];
    if tokens.len() != n_vocab {
        return Err(ConvertError::Vocabulary {
            path: vocabulary.to_owned(),
            reason: format!(
                "в словаре {} строк, в модели {n_vocab} токенов",
                tokens.len()
            ),
        });
    }
    // Shapes only: the values are converted once, when the tensors are laid out.
    let audio_pos = ct2.shape("encoder/position_encodings/encodings", 2)?;
    let text_pos = ct2.shape("decoder/position_encodings/encodings", 2)?;
    let conv1 = ct2.shape("encoder/conv1/weight", 3)?;
    let hparams = [
        n_vocab,
        audio_pos[0],
        audio_pos[1],
        usize::try_from(ct2.integer("encoder/num_heads")?).unwrap_or(0),
        ct2.layers("encoder"),
        text_pos[0],
        text_pos[1],
        usize::try_from(ct2.integer("decoder/num_heads")?).unwrap_or(0),
        ct2.layers("decoder"),
        conv1[1],
    ];
    let tensors = tensors(&ct2, hparams[4], hparams[8])?;
    // whisper.cpp gives every weight matrix the file's type: if one cannot be cut into whole
    // 32-value blocks (no released whisper has such a width), the whole file stays f16.
    let precision = if precision == Precision::Q8_0
        && tensors.iter().any(|tensor| {
            !tensor.keep_f32 && tensor.dims.len() == 2 && tensor.dims[1] % Q8_BLOCK != 0
        }) {
        Precision::F16
    } else {
        precision
    };
    progress(0.5);

    let end_of_text = tokens
        .iter()
        .position(|token| token == b"<|endoftext|>")
        .ok_or_else(|| ConvertError::Vocabulary {
            path: vocabulary.to_owned(),
            reason: "нет токена <|endoftext|>".to_owned(),
        })?;

    let partial = out.with_extension("partial");
    if let Some(folder) = out.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(io(folder))?;
    }
    let file = std::fs::File::create(&partial).map_err(io(&partial))?;
    let mut writer = BufWriter::new(file);
    let write = (|| -> std::io::Result<()> {
        let i32le = |w: &mut BufWriter<std::fs::File>, v: usize| -> std::io::Result<()> {
            w.write_all(&(v as i32).to_le_bytes())
        };
        writer.write_all(&0x6767_6d6c_i32.to_le_bytes())?;
        for value in hparams {
            i32le(&mut writer, value)?;
        }
        i32le(&mut writer, precision.ftype())?;
        let mel = mel_filters(hparams[9], 400, 16_000);
        i32le(&mut writer, hparams[9])?;
        i32le(&mut writer, 201)?;
        for value in mel {
            writer.write_all(&value.to_le_bytes())?;
        }
        i32le(&mut writer, end_of_text)?;
        for token in &tokens[..end_of_text] {
            i32le(&mut writer, token.len())?;
            writer.write_all(token)?;
        }
        let count = tensors.len();
        for (index, tensor) in tensors.iter().enumerate() {
            // whisper.cpp makes every 2-D weight of the file's type and keeps the convolutions
            // (3-D) in f16; rows of a quantised matrix are whole blocks (512 and 2048 here).
            let kind = match (precision, tensor.keep_f32, tensor.dims.len()) {
                (_, true, _) | (_, _, 0 | 1) => TensorType::F32,
                (Precision::Q8_0, false, 2) => TensorType::Q8_0,
                _ => TensorType::F16,
            };
            i32le(&mut writer, tensor.dims.len())?;
            i32le(&mut writer, tensor.name.len())?;
            i32le(&mut writer, kind as usize)?;
            for dim in tensor.dims.iter().rev() {
                i32le(&mut writer, *dim)?;
            }
            writer.write_all(tensor.name.as_bytes())?;
            match kind {
                TensorType::F32 => {
                    for value in &tensor.values {
                        writer.write_all(&value.to_le_bytes())?;
                    }
                }
                TensorType::F16 => {
                    for value in &tensor.values {
                        writer.write_all(&f16::from_f32(*value).to_le_bytes())?;
                    }
                }
                TensorType::Q8_0 => write_q8_0(&mut writer, &tensor.values)?,
            }
            progress(0.5 + 0.5 * (index + 1) as f32 / count as f32);
        }
        writer.flush()?;
        writer.get_ref().sync_all()
    })();
    if let Err(error) = write {
        let _ = std::fs::remove_file(&partial);
        return Err(io(&partial)(error));
    }
    drop(writer);
    std::fs::rename(&partial, out).map_err(io(out))?;
    let bytes = std::fs::metadata(out).map_err(io(out))?.len();
    Ok(Converted {
        path: out.to_owned(),
        bytes,
        tensors: tensors.len(),
    })
}

/// ggml's type codes for the tensors we write.
#[derive(Clone, Copy)]
enum TensorType {
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}

/// A tensor's dims (outermost first) and values.
type Values = (Vec<usize>, Vec<f32>);

/// Collects the tensors in whisper.cpp's names and layout.
struct Layout<'a> {
    ct2: &'a Ct2Model,
    out: Vec<Tensor>,
}

impl Layout<'_> {
    fn put(&mut self, name: String, (dims, values): Values, keep_f32: bool) {
        self.out.push(Tensor {
            name,
            dims,
            values,
            keep_f32,
        });
    }

    /// A linear layer's weight and bias, or a layer norm's gamma and beta.
    fn pair(&self, from: &str) -> Result<[Values; 2], ConvertError> {
        let (first, second, rank) = if self.ct2.variables.contains_key(&format!("{from}/gamma")) {
            ("gamma", "beta", 1)
        } else {
            ("weight", "bias", 2)
        };
        let pair = [
            self.ct2.floats(&format!("{from}/{first}"), rank)?,
            self.ct2.floats(&format!("{from}/{second}"), 1)?,
        ];
        if pair[0].0[0] != pair[1].0[0] {
            return Err(ConvertError::NotAModel {
                path: self.ct2.path.clone(),
                reason: format!("у {from}/{second} не столько значений, сколько строк в {first}"),
            });
        }
        Ok(pair)
    }

    fn linear(&mut self, to: &str, from: &str) -> Result<(), ConvertError> {
        let [weight, bias] = self.pair(from)?;
        self.put(format!("{to}.weight"), weight, false);
        self.put(format!("{to}.bias"), bias, false);
        Ok(())
    }

    /// A fused query/key/value (self-attention) or key/value (cross-attention) layer split by
    /// rows; whisper's key bias is zero and whisper.cpp has none.
    fn split(&mut self, to: &str, from: &str, parts: &[&str]) -> Result<(), ConvertError> {
        let [(w_dims, w), (b_dims, b)] = self.pair(from)?;
        if !w_dims[0].is_multiple_of(parts.len()) {
            return Err(ConvertError::NotAModel {
                path: self.ct2.path.clone(),
                reason: format!("{from}: {} строк не делятся на {}", w_dims[0], parts.len()),
            });
        }
        let step = w_dims[0] / parts.len();
        for (index, part) in parts.iter().enumerate() {
            let (first, last) = (index * step, (index + 1) * step);
            self.put(
                format!("{to}.{part}.weight"),
                rows(&w_dims, &w, first, last),
                false,
            );
            if *part != "key" {
                self.put(
                    format!("{to}.{part}.bias"),
                    rows(&b_dims, &b, first, last),
                    false,
                );
            }
        }
        Ok(())
    }

    /// A block's self-attention and feed-forward parts (both stacks have them).
    fn block(&mut self, to: &str, from: &str) -> Result<(), ConvertError> {
        self.linear(
            &format!("{to}.attn_ln"),
            &format!("{from}/self_attention/layer_norm"),
        )?;
        self.split(
            &format!("{to}.attn"),
            &format!("{from}/self_attention/linear_0"),
            &["query", "key", "value"],
        )?;
        self.linear(
            &format!("{to}.attn.out"),
            &format!("{from}/self_attention/linear_1"),
        )?;
        self.linear(&format!("{to}.mlp_ln"), &format!("{from}/ffn/layer_norm"))?;
        self.linear(&format!("{to}.mlp.0"), &format!("{from}/ffn/linear_0"))?;
        self.linear(&format!("{to}.mlp.2"), &format!("{from}/ffn/linear_1"))
    }
}

/// The tensors in whisper.cpp's names and layout.
fn tensors(
    ct2: &Ct2Model,
    encoder_layers: usize,
    decoder_layers: usize,
) -> Result<Vec<Tensor>, ConvertError> {
    let mut layout = Layout {
        ct2,
        out: Vec::new(),
    };
    for conv in ["conv1", "conv2"] {
        let weight = ct2.floats(&format!("encoder/{conv}/weight"), 3)?;
        layout.put(format!("encoder.{conv}.weight"), weight, false);
        let (dims, values) = ct2.floats(&format!("encoder/{conv}/bias"), 1)?;
        layout.put(
            format!("encoder.{conv}.bias"),
            (vec![dims[0], 1], values),
            true,
        );
    }
    let positions = ct2.floats("encoder/position_encodings/encodings", 2)?;
    layout.put("encoder.positional_embedding".to_owned(), positions, true);
    for n in 0..encoder_layers {
        layout.block(
            &format!("encoder.blocks.{n}"),
            &format!("encoder/layer_{n}"),
        )?;
    }
    layout.linear("encoder.ln_post", "encoder/layer_norm")?;

    let embedding = ct2.floats("decoder/embeddings/weight", 2)?;
    layout.put(
        "decoder.token_embedding.weight".to_owned(),
        embedding,
        false,
    );
    let positions = ct2.floats("decoder/position_encodings/encodings", 2)?;
    layout.put("decoder.positional_embedding".to_owned(), positions, true);
    for n in 0..decoder_layers {
        let (to, from) = (format!("decoder.blocks.{n}"), format!("decoder/layer_{n}"));
        layout.block(&to, &from)?;
        layout.linear(
            &format!("{to}.cross_attn_ln"),
            &format!("{from}/attention/layer_norm"),
        )?;
        layout.linear(
            &format!("{to}.cross_attn.query"),
            &format!("{from}/attention/linear_0"),
        )?;
        layout.split(
            &format!("{to}.cross_attn"),
            &format!("{from}/attention/linear_1"),
            &["key", "value"],
        )?;
        layout.linear(
            &format!("{to}.cross_attn.out"),
            &format!("{from}/attention/linear_2"),
        )?;
    }
    layout.linear("decoder.ln", "decoder/layer_norm")?;
    Ok(layout.out)
}

/// The tokens of `vocabulary.txt` as bytes: each line is a token in GPT-2's byte-to-character
/// form, or a special token (`<|endoftext|>`) written as is.
fn read_vocabulary(path: &Path) -> Result<Vec<Vec<u8>>, ConvertError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConvertError::Io {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    let decoder = byte_decoder();
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text
        .split('\n')
        .map(|line| {
            if line.starts_with("<|") && line.ends_with("|>") {
                return line.as_bytes().to_vec();
            }
            line.chars()
                .map(|c| decoder.get(&c).copied())
                .collect::<Option<Vec<u8>>>()
                .unwrap_or_else(|| line.as_bytes().to_vec())
        })
        .collect())
}

/// GPT-2's mapping from printable characters back to the bytes they stand for.
fn byte_decoder() -> BTreeMap<char, u8> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut decoder = BTreeMap::new();
    let mut shifted = 0u32;
    for byte in 0..=255u8 {
        let code = if printable(byte) {
            u32::from(byte)
        } else {
            shifted += 1;
            255 + shifted
        };
        if let Some(c) = char::from_u32(code) {
            decoder.insert(c, byte);
        }
    }
    decoder
}

/// The mel filter bank whisper uses: `n_mels` triangular filters over the `n_fft / 2 + 1` FFT
/// bins, on the Slaney mel scale with Slaney normalisation (librosa's defaults).
pub fn mel_filters(n_mels: usize, n_fft: usize, sample_rate: u32) -> Vec<f32> {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    let hz_to_mel = |hz: f64| {
        if hz >= MIN_LOG_HZ {
            min_log_mel + (hz / MIN_LOG_HZ).ln() / log_step
        } else {
            hz / F_SP
        }
    };
    let mel_to_hz = |mel: f64| {
        if mel >= min_log_mel {
            MIN_LOG_HZ * (log_step * (mel - min_log_mel)).exp()
        } else {
            F_SP * mel
        }
    };
    let nyquist = f64::from(sample_rate) / 2.0;
    let bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|i| nyquist * i as f64 / (bins - 1) as f64)
        .collect();
    let top = hz_to_mel(nyquist);
    let mel_freqs: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut filters = vec![0f32; n_mels * bins];
    for m in 0..n_mels {
        let (low, centre, high) = (mel_freqs[m], mel_freqs[m + 1], mel_freqs[m + 2]);
        let norm = 2.0 / (high - low);
        for (bin, freq) in fft_freqs.iter().enumerate() {
            let rising = (freq - low) / (centre - low);
            let falling = (high - freq) / (high - centre);
            filters[m * bins + bin] = (rising.min(falling).max(0.0) * norm) as f32;
        }
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_decoder_covers_every_byte_once() {
        let decoder = byte_decoder();
        assert_eq!(decoder.len(), 256);
        assert_eq!(decoder[&'Ġ'], b' ', "GPT-2 writes a space as Ġ");
        assert_eq!(decoder[&'!'], b'!');
    }

    #[test]
    fn mel_filters_match_whispers_own() {
        let filters = mel_filters(80, 400, 16_000);
        assert_eq!(filters.len(), 80 * 201);
        // The peak of filters 0, 10, 40 and 79 in openai-whisper's assets/mel_filters.npz.
        for (mel, bin, expected) in [
            (0, 1, 0.024_862_595),
            (10, 10, 0.019_908_218),
            (40, 43, 0.014_735_566),
            (79, 192, 0.003_164_712),
        ] {
            let row = &filters[mel * 201..(mel + 1) * 201];
            let peak = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(at, _)| at);
            assert_eq!(peak, Some(bin), "filter {mel}");
            assert!(
                (row[bin] - expected).abs() < 1e-7,
                "filter {mel}: {}",
                row[bin]
            );
        }
        // whisper's filters sum to 1.9990242.
        let sum: f32 = filters.iter().sum();
        assert!((sum - 1.999_024_2).abs() < 1e-4, "{sum}");
    }
}
