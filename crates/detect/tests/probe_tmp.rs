use wasmaudit_detect::{methods, Context};
use wasmaudit_flow::Program;
use wasmaudit_platform::Surface;

#[test]
fn probe() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/chainmaker/chainmaker-go");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let only = std::env::var("PROBE").ok();
    let (mut tot, mut res) = (0, 0);
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some(o) = &only { if !name.contains(o.as_str()) { continue; } }
        let bytes = std::fs::read(&p).unwrap();
        let m = wasmaudit_front::parse(&bytes).unwrap();
        let prog = Program::build(&m);
        let surface = Surface {
            imports: m.functions.iter().filter_map(|f| f.import.as_ref().map(|(a, b)| (a.as_str(), b.as_str()))).collect(),
            exports: m.exports.iter().map(|e| e.name.as_str()).collect(),
            custom_sections: m.custom_sections.iter().map(|c| c.name.as_str()).collect(),
        };
        let plat = wasmaudit_platform::detect(&surface).platform;
        let cx = Context::new(&m, &prog, plat);
        let t0 = std::time::Instant::now();
        let sites = methods::method_call_sites(&cx);
        let el = t0.elapsed();
        let r = sites.iter().filter(|s| s.resolved()).count();
        tot += sites.len(); res += r;
        println!("{name} {} {r}/{} {:?}", plat.as_str(), sites.len(), el);
        for s in &sites {
            if std::env::var("SITES").is_ok() { println!("SITE {} {} {} {} {}", name.trim_end_matches(".wasm"), m.func_name(s.func), s.instr, s.methods.join(","), s.path.len()); }
            if !s.resolved() || only.is_some() {
                println!("   {} {} {} {:?} path={:?}", if s.resolved() {"ok "} else {"UNRESOLVED"}, m.func_name(s.func), s.instr, s.methods, s.path);
            }
        }
    }
    println!("TOTAL {res}/{tot}");
}

#[test]
fn dbg_site() {
    let Ok(spec) = std::env::var("DBG") else { return };
    let parts: Vec<&str> = spec.split(':').collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/chainmaker/chainmaker-go");
    let bytes = std::fs::read(dir.join(parts[0])).unwrap();
    let m = wasmaudit_front::parse(&bytes).unwrap();
    let prog = Program::build(&m);
    let f: u32 = parts[1].parse().unwrap();
    let i: usize = parts[2].parse().unwrap();
    let vals = prog.values(f).unwrap();
    let func = m.function(f).unwrap();
    let ev = wasmaudit_flow::Evaluator::new(&m, func, vals);
    let mut work: Vec<(u32, usize)> = vals.operands(i).iter().map(|v| (*v, 0)).collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some((v, d)) = work.pop() {
        if d > 6 || !seen.insert(v) { continue; }
        let def = vals.def(v);
        let extra = match def {
            wasmaudit_flow::ValueDef::Result { instr, .. } => format!("{:?} ops={:?} addr={:?}", func.body[*instr].op, vals.operands(*instr), ev.mem_address(*instr)),
            _ => String::new(),
        };
        println!("{}v{v} = {:?} const={:?} {}", "  ".repeat(d), def, ev.constant(v), extra);
        if let wasmaudit_flow::ValueDef::Result { instr, .. } = def { for o in vals.operands(*instr) { work.push((*o, d + 1)); } }
        if let wasmaudit_flow::ValueDef::Phi { operands, .. } = def { for o in operands { work.push((*o, d + 1)); } }
    }
    if let Some(a) = std::env::var("ADDR").ok() {
        let _ = a;
    }
    for (a, s) in ev.stores() { if let Some(x) = parts.get(3) { if format!("{:?}", a.base).contains(x) { println!("store {:?} {:?}", a, s); } } }
}
