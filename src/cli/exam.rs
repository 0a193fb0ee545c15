//! `callcoach exam list|start` and `callcoach cert verify`: certification run by the examiner.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use callcoach::render::certificate;
use callcoach::render::debrief::debrief;
use callcoach_core::attempt::Attempt;
use callcoach_core::certificate::{Certificate, date};
use callcoach_core::check::{CheckReport, check_paths};
use callcoach_core::exam::ExamSitting;
use callcoach_core::ledger::Ledger;
use callcoach_core::meaning::{Embeddings, Lexicon};
use callcoach_core::scoring::Scorer;
use callcoach_core::store::{Examiner, Store, now_ms};
use callcoach_core::text::Morphology;
use clap::Subcommand;

use super::play::{Said, play_call, read};

/// The environment variable a script can give the examiner's passphrase in.
const PASSPHRASE_ENV: &str = "CALLCOACH_EXAMINER_PASSPHRASE";

/// Exam commands.
#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// List the exams in `scenarios/exams/`.
    List,
    /// Start an exam for a trainee (needs the examiner's passphrase): the calls run one after
    /// another without hints; a pass issues a signed certificate.
    Start {
        /// Exam id.
        exam: String,
        /// The trainee who sits it.
        #[arg(long)]
        trainee: String,
        /// Seed of the draw and the calls (default: random, printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Folder for the certificate files (default: the working directory).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

/// Certificate commands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Check a certificate file: does the signature hold, has it expired.
    Verify {
        /// The certificate JSON.
        file: PathBuf,
    },
}

/// The exams and scenarios of the scenarios folder, checked (files with errors left out).
fn load(scenarios: &Path, scorer: &Scorer, morphology: &Morphology) -> CheckReport {
    check_paths(&callcoach::paths::with_exams(scenarios), morphology, scorer)
}

/// Runs an exam command.
pub fn run(command: &ExamCommand, scenarios: &Path, db: &Path) -> anyhow::Result<ExitCode> {
    Embeddings::preload();
    let morphology = Morphology::shared()?;
    let scorer = Scorer::with_default_rubric(morphology.clone())?;
    let CheckReport {
        exams,
        scenarios: library,
        ..
    } = load(scenarios, &scorer, &morphology);
    let mut out = std::io::stdout().lock();
    match command {
        ExamCommand::List => {
            if exams.is_empty() {
                writeln!(
                    out,
                    "Экзаменов нет: добавьте файлы в {}/exams.",
                    scenarios.display()
                )?;
            }
            for (_, exam) in &exams {
                writeln!(
                    out,
                    "{} — «{}»: попыток {}, пауза после неудачи {} ч, сертификат на {} дн.",
                    exam.id,
                    exam.title,
                    exam.attempts_allowed,
                    exam.wait_hours,
                    exam.certificate_valid_days
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ExamCommand::Start {
            exam,
            trainee,
            seed,
            out: folder,
        } => {
            let Some((_, exam)) = exams.iter().find(|(_, found)| &found.id == exam) else {
                let ids: Vec<&str> = exams.iter().map(|(_, exam)| exam.id.as_str()).collect();
                bail!("экзамена «{exam}» нет. Есть: {}", ids.join(", "));
            };
            let mut store = Store::open(db)?;
            let examiner = examiner(&store, true, &mut out)?;
            let library: Vec<_> = library
                .into_iter()
                .map(|(_, scenario)| Arc::new(scenario))
                .collect();
            let sitting = ExamSitting::begin(Arc::new(exam.clone()), &library, trainee, *seed)?;
            sit(
                sitting,
                &mut store,
                &examiner,
                &scorer,
                &Lexicon::shared()?,
                folder,
                &mut out,
            )
        }
    }
}

/// Unlocks the examiner; with `set_on_first_use` (starting an exam) the first passphrase given
/// becomes the examiner's, otherwise an examiner must already exist.
pub fn examiner(
    store: &Store,
    set_on_first_use: bool,
    out: &mut impl Write,
) -> anyhow::Result<Examiner> {
    let first_use = !store.examiner_is_set()?;
    if first_use && !set_on_first_use {
        bail!(
            "пароль экзаменатора ещё не задан: его задаёт служба качества, начиная первый экзамен (callcoach exam start)"
        );
    }
    let passphrase = passphrase(if first_use {
        "Задайте пароль экзаменатора (не короче 8 символов): "
    } else {
        "Пароль экзаменатора: "
    })?;
    let unlocked = if first_use {
        store.set_up_examiner(&passphrase)?
    } else {
        store.unlock_examiner(&passphrase)?
    };
    match unlocked {
        Ok(examiner) => {
            if first_use {
                writeln!(
                    out,
                    "Пароль экзаменатора задан, создан ключ подписи сертификатов. Запомните пароль: без него экзамены и сертификаты недоступны."
                )?;
            }
            Ok(examiner)
        }
        Err(error) => bail!("{error}"),
    }
}

/// The passphrase: from the environment (scripts), else asked on the terminal without echo.
fn passphrase(prompt: &str) -> anyhow::Result<String> {
    if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        return Ok(value);
    }
    rpassword::prompt_password(prompt).with_context(|| {
        format!("не удалось спросить пароль экзаменатора: нет терминала; передайте его в {PASSPHRASE_ENV}")
    })
}

/// Opens the sitting when the trainee is admitted, plays its calls one after another from
/// standard input, closes it and hands out the certificate when it is passed.
fn sit(
    mut sitting: ExamSitting,
    store: &mut Store,
    examiner: &Examiner,
    scorer: &Scorer,
    lexicon: &Lexicon,
    folder: &Path,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let mut ledger = Ledger::new();
    if let Err(reason) = ledger.begin_sitting(store, &sitting, examiner)? {
        writeln!(out, "Экзамен не начат: {reason}")?;
        return Ok(ExitCode::from(1));
    }
    let count = sitting.scenarios().len();
    writeln!(
        out,
        "Экзамен «{}»: {}, звонков — {count}, подсказок нет. Seed: {}.\n",
        sitting.exam().title,
        sitting.trainee(),
        sitting.seed()
    )?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines().map(|line| line.map(Said::from));
    while let Some(plan) = sitting.next_call() {
        writeln!(out, "=== Звонок {} из {count}", sitting.calls().len() + 1)?;
        let (attempt, opening) = Attempt::start(plan, scorer, lexicon.clone())?;
        let call = play_call(
            attempt,
            &opening,
            Some((&mut *store, &mut ledger)),
            &mut lines,
            out,
        )?;
        writeln!(out)?;
        sitting.call_ended(call);
    }
    let outcome = ledger.close_sitting(store, &sitting, examiner)?;
    writeln!(out, "Разбор экзамена\n")?;
    for (index, call) in sitting.calls().iter().enumerate() {
        writeln!(out, "--- Звонок {}", index + 1)?;
        write!(out, "{}", debrief(&call.report, &call.transcript))?;
        writeln!(out)?;
    }
    let result = outcome.result;
    let Some(certificate) = outcome.certificate else {
        writeln!(
            out,
            "Экзамен не сдан (средний итог {}): {}.",
            result.total,
            result.reasons.join("; ")
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    let (json, html) = certificate::write(&certificate, folder).map_err(anyhow::Error::msg)?;
    writeln!(
        out,
        "Экзамен сдан, итог {}. Сертификат № {} действителен до {}.\nФайлы: {} (подписанный), {} (для печати).",
        result.total,
        certificate.number,
        date(certificate.valid_until),
        json.display(),
        html.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a certificate command.
pub fn run_cert(command: &CertCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let CertCommand::Verify { file } = command;
    let text = read(file)?;
    let certificate = Certificate::from_json(&text)
        .with_context(|| format!("{} — не сертификат callcoach", file.display()))?;
    // The local examiner's key, when this machine has a database with one.
    let local_key = if db.exists() {
        Store::open(db)
            .ok()
            .and_then(|store| store.examiner_public_key().ok().flatten())
    } else {
        None
    };
    let verification = certificate.verify(now_ms(), local_key.as_deref());
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Сертификат № {}: {}, «{}», итог {}, выдан {}, действителен до {}.",
        certificate.number,
        certificate.trainee,
        certificate.exam_title,
        certificate.total,
        date(certificate.issued_at),
        date(certificate.valid_until)
    )?;
    if !verification.signature_holds {
        writeln!(
            out,
            "ПОДПИСЬ НЕ СХОДИТСЯ: файл изменён после выдачи или подписан не ключом, указанным в нём. Сертификат недействителен."
        )?;
        return Ok(ExitCode::from(1));
    }
    writeln!(
        out,
        "Подпись верна (ключ экзаменатора {}).",
        certificate.public_key
    )?;
    match verification.known_examiner {
        Some(true) => writeln!(out, "Ключ совпадает с ключом экзаменатора этой базы.")?,
        Some(false) => writeln!(
            out,
            "Внимание: ключ не совпадает с ключом экзаменатора этой базы — сверьте его со службой качества, выдавшей сертификат."
        )?,
        None => {}
    }
    if verification.expired {
        writeln!(
            out,
            "Срок действия истёк {}.",
            date(certificate.valid_until)
        )?;
        return Ok(ExitCode::from(1));
    }
    writeln!(out, "Сертификат действителен.")?;
    Ok(ExitCode::SUCCESS)
}
