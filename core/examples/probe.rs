fn main() {
    let d = rumorph::Dictionary::bundled().unwrap();
    for w in std::env::args().skip(1) {
        let a = d.analyze(&w);
        let lem: Vec<String> = a.iter().map(|x| format!("{}:{:?}:{:.2}", x.lemma, x.source, x.prob)).collect();
        println!("{w}: known={} {:?}", d.is_known(&w), lem);
    }
}
