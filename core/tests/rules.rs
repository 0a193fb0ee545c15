//! Every rule of the call standard flags what it should and nothing else, on realistic agent
//! speech, typed and as speech recognition gives it (lower case, no punctuation, «е» for «ё»).

use crate::support::{Place, flagged, praised, recognised, report};

/// Asserts that `rule` is (or is not) flagged on each example, typed and recognised.
fn assert_flags(rule: &str, examples: &[(&str, Place<'_>)], expected: bool) {
    for &(text, place) in examples {
        for variant in [text.to_owned(), recognised(text)] {
            let found = flagged(&variant, place);
            assert_eq!(
                found.iter().any(|id| id == rule),
                expected,
                "{rule} on «{variant}» at {place:?}: flagged {found:?}"
            );
        }
    }
}

/// Asserts that `rule` praises (or does not praise) each example, typed and recognised.
fn assert_praises(rule: &str, examples: &[(&str, Place<'_>)], expected: bool) {
    for &(text, place) in examples {
        for variant in [text.to_owned(), recognised(text)] {
            let (report, _) = report(&variant, place);
            let found = report.praise.iter().any(|praise| praise.rule == rule);
            assert_eq!(
                found, expected,
                "{rule} praise on «{variant}» at {place:?}: {:?}",
                report.praise
            );
        }
    }
}

macro_rules! rule_tests {
    ($check:ident, $flags:ident, $dont:ident, $rule:literal,
     flags: [$($yes:expr),* $(,)?], dont_flag: [$($no:expr),* $(,)?]) => {
        #[test]
        fn $flags() {
            $check($rule, &[$($yes),*], true);
        }
        #[test]
        fn $dont() {
            $check($rule, &[$($no),*], false);
        }
    };
}

const AT_16: Place<'static> = Place::Greeting(Some("16:00"));
const AT_14: Place<'static> = Place::Greeting(Some("14:05"));
const REPLY: Place<'static> = Place::Reply;
const HOLD_60: Place<'static> = Place::BeforeHold(60);
const AFTER: Place<'static> = Place::AfterHold;
const CLOSING: Place<'static> = Place::Closing;

rule_tests!(assert_flags, flags_greeting_word, dont_flag_greeting_word, "greeting.word",
    flags: [
        ("Доброе утро! Меня зовут Анна, специалист поддержки компании «Ромашка Телеком».", AT_16),
        ("Алло, слушаю. Меня зовут Анна, специалист поддержки «Ромашка Телеком».", AT_14),
        ("Здрасте, меня зовут Олег, оператор компании Ромашка Телеком.", AT_14),
        ("Привет! Это Олег, техподдержка Ромашка Телеком.", AT_14),
        ("Добрый вечер! Меня зовут Анна, специалист компании «Ромашка Телеком».", Place::Greeting(Some("10:30"))),
        ("Меня зовут Анна, специалист поддержки компании «Ромашка Телеком».", AT_14),
    ],
    dont_flag: [
        ("Добрый день! Меня зовут Анна, специалист поддержки компании «Ромашка Телеком».", AT_16),
        ("Здравствуйте! Меня зовут Анна, инженер компании «Ромашка Телеком».", Place::Greeting(Some("23:30"))),
        ("Доброе утро, меня зовут Анна, оператор «Ромашка Телеком».", Place::Greeting(Some("09:15"))),
        ("Доброй ночи, меня зовут Анна, дежурный инженер «Ромашка Телеком».", Place::Greeting(Some("02:00"))),
        ("Добрый вечер! Компания «Ромашка Телеком», специалист Анна.", Place::Greeting(Some("17:30"))),
        ("Компания «Ромашка Телеком», специалист Анна, добрый день!", AT_14),
        ("Доброе утро! Меня зовут Анна, специалист «Ромашка Телеком».", Place::Greeting(None)),
    ]
);

rule_tests!(assert_flags, flags_greeting_name, dont_flag_greeting_name, "greeting.name",
    flags: [
        ("Добрый день, техническая поддержка компании «Ромашка Телеком», слушаю вас.", AT_14),
        ("Здравствуйте, специалист компании Ромашка Телеком.", AT_14),
    ],
    dont_flag: [
        ("Добрый день! Меня зовут Айгерим, специалист компании «Ромашка Телеком».", AT_14),
        ("Добрый день, Анна, техподдержка «Ромашка Телеком».", AT_14),
        ("Здравствуйте, с вами говорит Дмитрий, инженер компании Ромашка Телеком.", AT_14),
    ]
);

rule_tests!(assert_flags, flags_greeting_position, dont_flag_greeting_position, "greeting.position",
    flags: [
        ("Добрый день, меня зовут Анна, компания «Ромашка Телеком».", AT_14),
        ("Здравствуйте, это Ромашка Телеком, Анна.", AT_14),
    ],
    dont_flag: [
        ("Добрый день, меня зовут Анна, оператор компании «Ромашка Телеком».", AT_14),
        ("Добрый день, служба поддержки «Ромашка Телеком», меня зовут Анна.", AT_14),
        ("Здравствуйте, Анна, менеджер Ромашка Телеком.", AT_14),
    ]
);

rule_tests!(assert_flags, flags_greeting_company, dont_flag_greeting_company, "greeting.company",
    flags: [
        ("Добрый день, меня зовут Анна, специалист технической поддержки.", AT_14),
        ("Добрый день, меня зовут Анна, специалист компании «Лютик».", AT_14),
    ],
    dont_flag: [
        ("Добрый день, меня зовут Анна, специалист компании «Ромашка Телеком».", AT_14),
        ("Добрый день, Анна, специалист «Ромашки».", AT_14),
        ("РОМАШКА ТЕЛЕКОМ, добрый день, специалист Анна.", AT_14),
    ]
);

rule_tests!(assert_flags, flags_greeting_lead_question, dont_flag_greeting_lead_question, "greeting.lead_question",
    flags: [
        ("Добрый день! Меня зовут Анна, специалист компании «Ромашка Телеком».", AT_14),
    ],
    dont_flag: [
        ("Добрый день! Меня зовут Анна, специалист «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора?", AT_14),
        ("Добрый день! Анна, специалист «Ромашка Телеком». Как я могу к вам обращаться?", AT_14),
        ("Добрый день! Анна, специалист «Ромашка Телеком». Назовите, пожалуйста, номер заявки.", AT_14),
    ]
);

rule_tests!(assert_flags, flags_hold_announced, dont_flag_hold_announced, "hold.announced",
    flags: [
        ("Мне потребуется около двух минут, чтобы проверить линию.", HOLD_60),
        ("Сейчас проверю.", HOLD_60),
    ],
    dont_flag: [
        ("Оставайтесь, пожалуйста, на линии, это займёт две минуты.", HOLD_60),
        ("Подождите, пожалуйста, одну минуту, я проверю линию.", HOLD_60),
        ("Не кладите трубку, мне нужно около 30 секунд.", Place::BeforeHold(30)),
        ("Побудьте, пожалуйста, на линии пару минут.", HOLD_60),
    ]
);

rule_tests!(assert_flags, flags_hold_duration, dont_flag_hold_duration, "hold.duration",
    flags: [
        ("Оставайтесь, пожалуйста, на линии, я проверю.", HOLD_60),
        ("Подождите немного, я уточню.", HOLD_60),
    ],
    dont_flag: [
        ("Подождите, пожалуйста, пару минут.", HOLD_60),
        ("Побудьте на линии около 30 секунд.", Place::BeforeHold(25)),
        ("Оставайтесь на линии, мне нужно две-три минуты.", HOLD_60),
    ]
);

rule_tests!(assert_flags, flags_hold_kept, dont_flag_hold_kept, "hold.kept",
    flags: [
        ("Оставайтесь на линии, мне потребуется две минуты.", Place::BeforeHold(150)),
        ("Подождите, пожалуйста, 30 секунд.", HOLD_60),
        // An estimate has a tolerance of a quarter, not more.
        ("Оставайтесь на линии, это займёт около минуты.", Place::BeforeHold(80)),
        ("Оставайтесь на линии, мне потребуется одна минута.", Place::BeforeHold(75)),
    ],
    dont_flag: [
        ("Оставайтесь на линии, мне потребуется две минуты.", Place::BeforeHold(100)),
        ("Подождите, пожалуйста, одну минуту.", HOLD_60),
        ("Оставайтесь на линии, это займёт около минуты.", Place::BeforeHold(65)),
        ("Оставайтесь на линии, это займёт около минуты.", Place::BeforeHold(75)),
        ("Подождите, пожалуйста, пару минут.", Place::BeforeHold(145)),
        ("Минут пять, пожалуйста, не кладите трубку.", Place::BeforeHold(360)),
        ("Две минуты, пожалуйста, не кладите трубку.", Place::BeforeHold(128)),
    ]
);

rule_tests!(assert_flags, flags_hold_thanks, dont_flag_hold_thanks, "hold.thanks",
    flags: [
        ("Итак, линия в порядке, перезагрузите роутер.", AFTER),
        ("Извините за ожидание, линия в порядке.", AFTER),
    ],
    dont_flag: [
        ("Спасибо за ожидание! Линия в порядке.", AFTER),
        ("Благодарю, что дождались. Линия в порядке.", AFTER),
        ("Спасибо вам большое за терпение.", AFTER),
    ]
);

rule_tests!(assert_flags, flags_wording_obligation, dont_flag_wording_obligation, "wording.obligation",
    flags: [
        ("Вы должны перезагрузить роутер.", REPLY),
        ("По договору вы обязаны оплатить счёт до десятого числа.", REPLY),
        ("Клиент должен сам следить за балансом.", REPLY),
        ("Вы должны были позвонить нам раньше.", REPLY),
        ("Чтобы всё заработало, должны перезагрузить роутер.", REPLY),
        ("Вы должны быть дома, когда придёт мастер.", REPLY),
        ("Роутер, который вы купили, вы должны настроить сами.", REPLY),
    ],
    dont_flag: [
        ("Вы, должно быть, очень расстроены.", REPLY),
        ("Роутер должен перезагрузиться сам через минуту.", REPLY),
        ("Мы должны были предупредить вас о работах.", REPLY),
        ("Деньги должны поступить на счёт в течение дня.", REPLY),
        ("Вам должны перезвонить из отдела ремонта.", REPLY),
        ("Мастер, которого вы вызвали, должен приехать до обеда.", REPLY),
        ("Вам необходимо перезагрузить роутер.", REPLY),
        ("Я должна уточнить одну деталь.", REPLY),
        ("Всё должно заработать через пару минут.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_wording_company_problem, dont_flag_wording_company_problem, "wording.company_problem",
    flags: [
        ("У нас проблема на станции, уже чиним.", REPLY),
        ("Проблема на нашей стороне, извините.", REPLY),
        ("Это наши проблемы с оборудованием.", REPLY),
        ("У компании сейчас проблемы с сервером.", REPLY),
    ],
    dont_flag: [
        ("Проблема на вашем компьютере, давайте посмотрим.", REPLY),
        ("Это проблематично, но решаемо.", REPLY),
        ("Давайте решим вашу проблему.", REPLY),
        ("Мы поможем решить эту проблему.", REPLY),
        ("Это не наша проблема.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_read_manual, dont_flag_stop_read_manual, "wording.stop.read_manual",
    flags: [
        ("Читайте инструкцию, там всё написано.", REPLY),
        ("Прочитайте внимательно инструкцию.", REPLY),
        ("Если не читаете инструкцию, вызывайте специалиста.", REPLY),
    ],
    dont_flag: [
        ("Инструкция есть на сайте, но я помогу настроить прямо сейчас.", REPLY),
        ("Я прочитаю вам пункт из инструкции.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_what_did_you_do, dont_flag_stop_what_did_you_do, "wording.stop.what_did_you_do",
    flags: [
        ("Что вы делали?", REPLY),
        ("Ну и что вы там делали с роутером?", REPLY),
    ],
    dont_flag: [
        ("Подскажите, какие действия вы выполняли перед этим?", REPLY),
        ("Что вы видите на экране?", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_no_parts, dont_flag_stop_no_parts, "wording.stop.no_parts",
    flags: [
        ("Извините, сейчас нет запчастей.", REPLY),
        ("Запчастей на складе нет.", REPLY),
    ],
    dont_flag: [
        ("Мы закажем запчасти, и мастер приедет в четверг.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_calm_down, dont_flag_stop_calm_down, "wording.stop.calm_down",
    flags: [
        ("Успокойтесь, пожалуйста.", REPLY),
        ("Мужчина, успокойтесь, я вас слушаю!", REPLY),
    ],
    dont_flag: [
        ("Я понимаю, как это неприятно.", REPLY),
        ("Не волнуйтесь, мы всё исправим.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_dont_know, dont_flag_stop_dont_know, "wording.stop.dont_know",
    flags: [
        ("Я не знаю, почему так.", REPLY),
        ("Не знаю, когда починят.", REPLY),
    ],
    dont_flag: [
        ("Я знаю, как это исправить.", REPLY),
        ("Вы не знаете, горит ли лампочка на роутере?", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_not_my_job, dont_flag_stop_not_my_job, "wording.stop.not_my_job",
    flags: [
        ("Это не моя работа.", REPLY),
        ("Это не входит в мои обязанности.", REPLY),
    ],
    dont_flag: [
        ("Моя работа — помочь вам.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_not_to_me, dont_flag_stop_not_to_me, "wording.stop.not_to_me",
    flags: [
        ("Это не ко мне, звоните в банк.", REPLY),
    ],
    dont_flag: [
        ("Обращайтесь ко мне в любое время.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_misunderstood, dont_flag_stop_misunderstood, "wording.stop.misunderstood",
    flags: [
        ("Вы неправильно поняли.", REPLY),
        ("Вы меня не поняли.", REPLY),
        ("Вы не так поняли мои слова.", REPLY),
    ],
    dont_flag: [
        ("Возможно, я неточно объяснил, давайте уточню.", REPLY),
        ("Правильно ли я понял, что роутер не горит?", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_cannot_help, dont_flag_stop_cannot_help, "wording.stop.cannot_help",
    flags: [
        ("Ничем не могу помочь.", REPLY),
        ("Ничем помочь не можем.", REPLY),
    ],
    dont_flag: [
        ("Могу ли я ещё чем-нибудь помочь?", REPLY),
    ]
);

rule_tests!(assert_flags, flags_stop_not_our_problem, dont_flag_stop_not_our_problem, "wording.stop.not_our_problem",
    flags: [
        ("Это не наша проблема.", REPLY),
        ("Извините, но это не наши проблемы.", REPLY),
    ],
    dont_flag: [
        ("Это наша задача — помочь вам.", REPLY),
    ]
);

rule_tests!(assert_flags, flags_closing_more_questions, dont_flag_closing_more_questions, "closing.more_questions",
    flags: [
        ("Спасибо за звонок, всего доброго!", CLOSING),
    ],
    dont_flag: [
        ("Остались ли у вас ещё вопросы? Спасибо за звонок!", CLOSING),
        ("Могу я ещё чем-нибудь помочь? Благодарим за обращение.", CLOSING),
        ("Есть ли ещё вопросы? Спасибо, что позвонили.", CLOSING),
        ("Вопросы ещё остались? Спасибо за звонок!", CLOSING),
        ("Нужна ли ещё какая-то помощь? Спасибо за обращение.", CLOSING),
        ("Я ответила на все ваши вопросы? Спасибо за звонок.", CLOSING),
    ]
);

rule_tests!(assert_flags, flags_closing_thanks, dont_flag_closing_thanks, "closing.thanks",
    flags: [
        ("Остались ли у вас вопросы? Всего доброго!", CLOSING),
        ("Спасибо за ожидание, до свидания.", CLOSING),
    ],
    dont_flag: [
        ("Спасибо за звонок!", CLOSING),
        ("Благодарим за обращение, будем рады помочь снова.", CLOSING),
        ("Спасибо, что обратились к нам.", CLOSING),
        ("Благодарю, что позвонили!", CLOSING),
        ("Спасибо, что дождались, и за обращение!", CLOSING),
        ("Спасибо за терпение! Всего доброго!", CLOSING),
    ]
);

rule_tests!(assert_praises, flags_closing_bonus, dont_flag_closing_bonus, "closing.bonus",
    flags: [("Спасибо за звонок, будем рады помочь снова!", CLOSING)],
    dont_flag: [("Спасибо за звонок.", CLOSING)]
);

rule_tests!(assert_praises, flags_wording_recommendation, dont_flag_wording_recommendation, "wording.recommendation",
    flags: [("Вам необходимо перезагрузить роутер.", REPLY)],
    dont_flag: [("Вы должны перезагрузить роутер, это необходимо.", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_questions, dont_flag_deescalation_questions, "deescalation.questions",
    flags: [("Скажите, пожалуйста, горит ли лампочка на роутере?", REPLY)],
    dont_flag: [("Сейчас всё проверю.", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_because, dont_flag_deescalation_because, "deescalation.because",
    flags: [
        ("Перезагрузите роутер, потому что он должен получить новые настройки.", REPLY),
        ("Это нужно для того, чтобы роутер получил новый адрес.", REPLY),
    ],
    dont_flag: [("Перезагрузите роутер.", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_shift_centre, dont_flag_deescalation_shift_centre, "deescalation.shift_centre",
    flags: [("Я правильно понимаю, что вы хотите решить проблему на вашем компьютере?", REPLY)],
    dont_flag: [("Давайте проверим настройки.", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_purpose, dont_flag_deescalation_purpose, "deescalation.purpose",
    flags: [("Подскажите, с какой целью вы позвонили: решить проблему или обсудить её?", REPLY)],
    dont_flag: [("Чем могу помочь?", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_expert_fork, dont_flag_deescalation_expert_fork, "deescalation.expert_fork",
    flags: [("Простите, а вы являетесь техническим специалистом?", REPLY)],
    dont_flag: [("Я передам заявку техническому специалисту.", REPLY)]
);

rule_tests!(assert_praises, flags_deescalation_time_frame, dont_flag_deescalation_time_frame, "deescalation.time_frame",
    flags: [
        ("Мастер приедет завтра до обеда.", REPLY),
        ("Неисправность устранят в течение двух часов.", REPLY),
    ],
    dont_flag: [("Сейчас посмотрю.", REPLY)]
);

#[test]
fn flags_deescalation_none_when_no_technique_is_used() {
    let (report, _) = report("Перезагрузите роутер.", Place::Reply);
    let category = &report.categories[&callcoach_core::scoring::Category::Deescalation];
    assert!(!category.passed, "{category:?}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "deescalation.none")
    );
}

#[test]
fn dont_flag_deescalation_none_when_a_technique_is_used() {
    let (report, _) = report(
        "Перезагрузите роутер, потому что он получит новые настройки.",
        Place::Reply,
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule == "deescalation.none")
    );
    assert!(report.categories[&callcoach_core::scoring::Category::Deescalation].passed);
}

#[test]
fn praise_is_given_on_the_turn_it_concerns() {
    assert!(
        praised("Спасибо за ожидание! Линия в порядке.", Place::AfterHold)
            .contains(&"hold.thanks".to_owned())
    );
}

#[test]
fn a_reply_spoken_before_the_hold_ended_is_flagged_and_one_spoken_after_it_is_not() {
    let scored = |on_hold: bool| {
        let (mut transcript, turn) = crate::support::call_with(
            "Спасибо за ожидание! Я проверил линию, сейчас всё заработает.",
            Place::AfterHold,
        );
        transcript.turns[turn].speech = Some(callcoach_core::transcript::Speech {
            seconds: 3.8,
            on_hold,
        });
        crate::support::scorer().score(&transcript)
    };
    let spoken_on_hold = scored(true);
    let finding = spoken_on_hold
        .findings
        .iter()
        .find(|finding| finding.rule == "hold.spoke_on_hold")
        .expect("speaking over the hold music is flagged");
    assert!(finding.message.contains("не сняв клиента с удержания"));
    assert!(!spoken_on_hold.categories[&callcoach_core::scoring::Category::Hold].passed);

    let spoken_after = scored(false);
    assert!(
        spoken_after
            .findings
            .iter()
            .all(|finding| finding.rule != "hold.spoke_on_hold"),
        "{:?}",
        spoken_after.findings
    );
    assert!(spoken_after.categories[&callcoach_core::scoring::Category::Hold].passed);
}
