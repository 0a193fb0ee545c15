//! `callcoach exam list|start` and `callcoach cert verify`: certification run by the examiner.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use callcoach::output::{Existing, write_file};
use callcoach::render::certificate;
use callcoach::render::debrief::debrief;
use callcoach_core::attempt::Attempt;
use callcoach_core::certificate::{Certificate, date};
use callcoach_core::check::{CheckReport, check_paths};
use callcoach_core::exam::{ExamSitting, Sitting};
use callcoach_core::ledger::Ledger;
use callcoach_core::meaning::{Embeddings, Lexicon};
use callcoach_core::scoring::Scorer;
use callcoach_core::store::{
    Examiner, ExaminerError, MIN_PASSPHRASE_CHARS, Store, fingerprint, key_file_public_key, now_ms,
    strong_enough,
};
use callcoach_core::text::Morphology;
use clap::Subcommand;

use super::play::{input_lines, play_call, read};

/// The environment variable a script can give the examiner's passphrase in.
const PASSPHRASE_ENV: &str = "CALLCOACH_EXAMINER_PASSPHRASE";

/// Exam commands.
#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// Список экзаменов из scenarios/exams/.
    List,
    /// Начать экзамен стажёра (нужен пароль экзаменатора): звонки идут один за другим без
    /// подсказок; сдавший получает подписанный сертификат.
    Start {
        /// Id экзамена.
        exam: String,
        /// Стажёр, который сдаёт.
        #[arg(long)]
        trainee: String,
        /// Seed выбора и звонков (по умолчанию случайный, печатается).
        #[arg(long)]
        seed: Option<u64>,
        /// Папка для файлов сертификата (по умолчанию — текущая).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

/// Certificate commands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Проверить файл сертификата: подпись, доверенный ли ключ, не истёк ли срок. Ключи, которым
    /// доверяет проверка, — экзаменатора базы (--db) и из файлов --key.
    Verify {
        /// Файл сертификата (JSON).
        file: PathBuf,
        /// Файл открытого ключа экзаменатора (callcoach examiner export), которому доверять;
        /// можно несколько.
        #[arg(long, value_name = "FILE")]
        key: Vec<PathBuf>,
    },
}

/// Examiner commands.
#[derive(Debug, Subcommand)]
pub enum ExaminerCommand {
    /// Настроить экзаменатора в этой базе (служба качества, один раз): пароль дважды, ключ подписи.
    Init,
    /// Выгрузить ключ экзаменатора в файл: открытый ключ для проверки сертификатов, с
    /// --with-secret — ещё и закрытый (зашифрованный паролем) для других рабочих мест.
    Export {
        /// Куда записать (существующий файл не перезаписывается).
        file: PathBuf,
        /// Добавить закрытый ключ, зашифрованный паролем экзаменатора.
        #[arg(long)]
        with_secret: bool,
    },
    /// Установить в эту базу экзаменатора из файла, выгруженного с --with-secret.
    Import {
        /// Файл ключа.
        file: PathBuf,
    },
    /// Доверять сертификатам и контрольным точкам другого экзаменатора (его открытый ключ из
    /// файла); доверие подписывает экзаменатор этой базы.
    Trust {
        /// Файл открытого ключа.
        file: PathBuf,
        /// Кто это: «Служба качества, Казань».
        #[arg(long)]
        name: String,
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
            let examiner = examiner(&store)?;
            let library: Vec<_> = library
                .into_iter()
                .map(|(_, scenario)| Arc::new(scenario))
                .collect();
            // In team mode the sitting needs the server: the trainee's sittings on other
            // desktops count for the exam rules.
            let mut team = super::team::for_exam(db, &mut store)?;
            let elsewhere = match &mut team {
                Some(team) => team
                    .sittings_elsewhere(trainee.trim(), &exam.id)
                    .map_err(super::team::exam_needs_server)?,
                None => Vec::new(),
            };
            let sitting = ExamSitting::begin(Arc::new(exam.clone()), &library, trainee, *seed)?;
            sit(
                sitting,
                Desk {
                    store: &mut store,
                    team,
                    elsewhere,
                },
                &examiner,
                &scorer,
                &Lexicon::shared()?,
                folder,
                &mut out,
            )
        }
    }
}

/// Unlocks the examiner of `store` with the passphrase (asked, or from the environment).
pub fn examiner(store: &Store) -> anyhow::Result<Examiner> {
    if !store.examiner_is_set()? {
        bail!("{}", ExaminerError::NotSet);
    }
    let passphrase = passphrase("Пароль экзаменатора: ")?;
    store
        .unlock_examiner(&passphrase)?
        .map_err(|error| anyhow!("{error}"))
}

/// Runs an examiner command.
pub fn run_examiner(command: &ExaminerCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        ExaminerCommand::Init => {
            let store = Store::open(db)?;
            if store.examiner_is_set()? {
                bail!("{}", ExaminerError::AlreadySet);
            }
            let examiner = new_examiner(&store)?;
            writeln!(
                out,
                "Экзаменатор настроен в {}. Отпечаток ключа: {}.\nЗапомните пароль: без него экзамены и сертификаты недоступны. Ключ для проверки сертификатов: callcoach examiner export ФАЙЛ.",
                db.display(),
                fingerprint(&examiner.public_key())
            )?;
        }
        ExaminerCommand::Export { file, with_secret } => {
            let store = Store::open_existing(db)?;
            let examiner = examiner(&store)?;
            let text = store.export_examiner(&examiner, *with_secret)?;
            write_file(file, text.as_bytes(), Existing::Refuse(None), &[db])?;
            writeln!(
                out,
                "Ключ экзаменатора ({}) записан в {}{}.",
                fingerprint(&examiner.public_key()),
                file.display(),
                if *with_secret {
                    " вместе с закрытым ключом, зашифрованным паролем; храните файл как пароль"
                } else {
                    ""
                }
            )?;
        }
        ExaminerCommand::Import { file } => {
            let text = read(file)?;
            key_file_public_key(&text).map_err(|error| anyhow!("{}: {error}", file.display()))?;
            let store = Store::open(db)?;
            let passphrase = passphrase("Пароль экзаменатора этого ключа: ")?;
            let examiner = store
                .import_examiner(&text, &passphrase)?
                .map_err(|error| anyhow!("{error}"))?;
            writeln!(
                out,
                "Экзаменатор {} установлен в {}: экзамены здесь подписываются его ключом.",
                fingerprint(&examiner.public_key()),
                db.display()
            )?;
        }
        ExaminerCommand::Trust { file, name } => {
            let key = key_file(file)?;
            let store = Store::open_existing(db)?;
            let examiner = examiner(&store)?;
            store.trust_key(&examiner, &key, name.trim())?;
            writeln!(
                out,
                "Ключ {} («{}») теперь доверенный в {}.",
                fingerprint(&key),
                name.trim(),
                db.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets up a new examiner in `store`: the passphrase asked twice (or from the environment),
/// strong enough.
pub fn new_examiner(store: &Store) -> anyhow::Result<Examiner> {
    let first = passphrase(&format!(
        "Новый пароль экзаменатора (не короче {MIN_PASSPHRASE_CHARS} символов, лучше фраза из нескольких слов): "
    ))?;
    if !strong_enough(&first) {
        bail!("{}", ExaminerError::WeakPassphrase);
    }
    let second = passphrase("Повторите пароль: ")?;
    if first != second {
        bail!("пароли не совпадают; экзаменатор не настроен, запустите команду ещё раз");
    }
    store
        .set_up_examiner(&first)?
        .map_err(|error| anyhow!("{error}"))
}

/// The public key of an examiner key file, or an error naming the file.
fn key_file(file: &Path) -> anyhow::Result<[u8; 32]> {
    let text = read(file)?;
    key_file_public_key(&text).map_err(|error| anyhow!("{}: {error}", file.display()))
}

/// The passphrase: from the environment (scripts), else asked on the terminal without echo.
fn passphrase(prompt: &str) -> anyhow::Result<String> {
    super::secret(PASSPHRASE_ENV, prompt, "экзаменатора", "")
}

/// Opens the sitting when the trainee is admitted, plays its calls one after another from
/// standard input, closes it and hands out the certificate when it is passed.
/// Where a sitting is recorded: this desktop's database and, in team mode, the team's server
/// with the trainee's sittings on other desktops.
struct Desk<'a> {
    store: &'a mut Store,
    team: Option<callcoach_team::Team>,
    elsewhere: Vec<Sitting>,
}

fn sit(
    mut sitting: ExamSitting,
    desk: Desk<'_>,
    examiner: &Examiner,
    scorer: &Scorer,
    lexicon: &Lexicon,
    folder: &Path,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let Desk {
        store,
        team,
        elsewhere,
    } = desk;
    let mut ledger = Ledger::new();
    if let Err(reason) = ledger.begin_sitting(store, &sitting, examiner, &elsewhere)? {
        writeln!(out, "Экзамен не начат: {reason}")?;
        return Ok(ExitCode::from(1));
    }
    // The team learns at once that the sitting began (another desktop's admission counts it);
    // if the server went away just now, the sitting goes on and is sent later.
    if let Some(mut team) = team
        && let Err(error) = team.sync(store)
    {
        let _ = writeln!(std::io::stderr(), "не отправлено в команду: {error}");
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
    let mut lines = input_lines(stdin.lock());
    while let Some(plan) = sitting.next_call() {
        writeln!(out, "=== Звонок {} из {count}", sitting.calls().len() + 1)?;
        let (attempt, opening) = Attempt::start(plan, scorer, lexicon.clone())?;
        let call = play_call(
            attempt,
            &opening,
            Some((&mut *store, &mut ledger)),
            &mut lines,
            None,
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

/// Runs a certificate command: the verdict first, and the certificate's claims shown as facts
/// only when it is valid.
pub fn run_cert(command: &CertCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let CertCommand::Verify { file, key } = command;
    let text = read(file)?;
    let certificate = Certificate::from_json(&text).map_err(|_| {
        anyhow!(
            "{}: это не сертификат callcoach (ожидается JSON-файл, выданный командой exam start)",
            file.display()
        )
    })?;
    let mut trusted = Vec::new();
    for path in key {
        trusted.push(key_file(path)?);
    }
    // Whose key: on a team's desktop the examiner is the team's.
    let mut team_key = None;
    if db.exists() {
        let store = Store::open_existing(db)?;
        trusted.extend(store.trusted_keys()?);
        if let (Some(settings), Some(key)) = (
            callcoach_team::TeamSettings::load(db)?,
            store.examiner_public_key()?,
        ) {
            team_key = Some((fingerprint(&key), settings.team));
        }
    }
    let mut out = std::io::stdout().lock();
    let verification = certificate.verify(now_ms(), &trusted);
    let claims = format!(
        "№ {}: {}, «{}», итог {}, выдан {}, действителен до {}",
        certificate.number,
        certificate.trainee,
        certificate.exam_title,
        certificate.total,
        date(certificate.issued_at),
        date(certificate.valid_until)
    );
    let refusal = if !verification.signature_holds {
        Some("подпись не сходится: файл изменён после выдачи или подписан не тем ключом, что указан в нём".to_owned())
    } else if trusted.is_empty() {
        Some(format!(
            "проверке не на что опереться: в {} нет экзаменатора, а ключ не указан. Проверяйте по базе службы качества (--db) или файлу её ключа (--key)",
            db.display()
        ))
    } else if !verification.trusted {
        Some(format!(
            "ключ, которым он подписан ({}), не из доверенных: сертификат выдан не службой качества, которой доверяет эта проверка",
            certificate.key_fingerprint()
        ))
    } else if verification.expired {
        Some(format!(
            "срок действия истёк {}",
            date(certificate.valid_until)
        ))
    } else {
        None
    };
    if let Some(reason) = refusal {
        writeln!(out, "СЕРТИФИКАТ НЕДЕЙСТВИТЕЛЕН: {reason}.")?;
        writeln!(out, "В файле написано (не подтверждено): {claims}.")?;
        return Ok(ExitCode::from(1));
    }
    let whose = match team_key {
        Some((team_fingerprint, team)) if team_fingerprint == certificate.key_fingerprint() => {
            format!(" — ключ экзаменатора команды «{team}»")
        }
        _ => String::new(),
    };
    writeln!(
        out,
        "Сертификат действителен: подпись верна, ключ экзаменатора {}{whose} доверенный, срок не истёк.\nСертификат {claims}.",
        certificate.key_fingerprint()
    )?;
    Ok(ExitCode::SUCCESS)
}
