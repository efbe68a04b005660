//! Basic blocks and edges of one function body, from Wasm's structured control flow.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use wasmaudit_front::{Instr, Op};

pub type BlockId = NodeIndex<u32>;

/// A maximal run of instructions `start..end` (indices into the function body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub start: usize,
    pub end: usize,
    /// The virtual exit block that every `return` and the final `end` flow to.
    pub is_exit: bool,
}

/// Why control moves along an edge. `True`/`False` edges leave a block ending in `if` or
/// `br_if`: `True` is taken when the condition is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    Fallthrough,
    Jump,
    True,
    False,
    /// `br_table` case `n`; the default case is `Case(u32::MAX)`.
    Case(u32),
    Return,
}

#[derive(Debug)]
pub struct Cfg {
    pub graph: DiGraph<Block, EdgeKind, u32>,
    pub entry: BlockId,
    pub exit: BlockId,
    /// Block of each instruction.
    instr_block: Vec<BlockId>,
    /// Computed on first use: many functions are never asked.
    doms: std::sync::OnceLock<DomTree>,
    /// Blocks reachable from the entry, computed on first use (cheaper than dominators).
    reachable: std::sync::OnceLock<Vec<bool>>,
    /// Which blocks each block reaches, computed on first use ([`Cfg::instr_reaches`]).
    reach: std::sync::OnceLock<Option<Reach>>,
}

/// The dominator tree of the blocks reachable from the entry (Cooper, Harvey and Kennedy's
/// iterative algorithm over reverse postorder), numbered depth-first so that a dominance query
/// is two comparisons.
#[derive(Debug)]
struct DomTree {
    /// Immediate dominator of each block; `NONE` for the entry and unreachable blocks.
    idom: Vec<u32>,
    /// Depth-first entry and exit numbers in the tree; `NONE` for unreachable blocks.
    pre: Vec<u32>,
    post: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl DomTree {
    fn compute(graph: &DiGraph<Block, EdgeKind, u32>, entry: BlockId) -> DomTree {
        let n = graph.node_count();
        // Reverse postorder of the reachable blocks, iteratively.
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut visited = vec![false; n];
        let mut stack: Vec<(BlockId, petgraph::graph::WalkNeighbors<u32>)> = Vec::new();
        if entry.index() < n {
            visited[entry.index()] = true;
            stack.push((entry, graph.neighbors_directed(entry, Direction::Outgoing).detach()));
        }
        while let Some((b, walk)) = stack.last_mut() {
            match walk.next_node(graph) {
                Some(s) if !visited[s.index()] => {
                    visited[s.index()] = true;
                    let w = graph.neighbors_directed(s, Direction::Outgoing).detach();
                    stack.push((s, w));
                }
                Some(_) => {}
                None => {
                    order.push(b.index() as u32);
                    stack.pop();
                }
            }
        }
        order.reverse();
        let mut rpo = vec![NONE; n];
        for (i, b) in order.iter().enumerate() {
            rpo[*b as usize] = i as u32;
        }
        // idom by reverse-postorder number.
        let mut idom = vec![NONE; order.len()];
        if !order.is_empty() {
            idom[0] = 0;
        }
        let intersect = |idom: &[u32], mut a: u32, mut b: u32| {
            while a != b {
                while a > b {
                    a = idom[a as usize];
                }
                while b > a {
                    b = idom[b as usize];
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for (i, b) in order.iter().enumerate().skip(1) {
                let mut new = NONE;
                for p in graph.neighbors_directed(BlockId::new(*b as usize), Direction::Incoming) {
                    let pr = rpo[p.index()];
                    if pr == NONE || idom[pr as usize] == NONE {
                        continue;
                    }
                    new = if new == NONE { pr } else { intersect(&idom, pr, new) };
                }
                if new != NONE && idom[i] != new {
                    idom[i] = new;
                    changed = true;
                }
            }
        }
        // Back to block indices, and the tree's depth-first numbers.
        let mut by_block = vec![NONE; n];
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, b) in order.iter().enumerate().skip(1) {
            let d = idom[i];
            if d != NONE {
                let db = order[d as usize];
                by_block[*b as usize] = db;
                children[db as usize].push(*b);
            }
        }
        let (mut pre, mut post) = (vec![NONE; n], vec![NONE; n]);
        let mut clock = 0u32;
        if let Some(&root) = order.first() {
            let mut stack: Vec<(u32, usize)> = vec![(root, 0)];
            pre[root as usize] = clock;
            clock += 1;
            while let Some((b, next)) = stack.last_mut() {
                let b = *b as usize;
                match children[b].get(*next) {
                    Some(&c) => {
                        *next += 1;
                        pre[c as usize] = clock;
                        clock += 1;
                        stack.push((c, 0));
                    }
                    None => {
                        post[b] = clock;
                        clock += 1;
                        stack.pop();
                    }
                }
            }
        }
        DomTree { idom: by_block, pre, post }
    }

    fn idom(&self, b: BlockId) -> Option<BlockId> {
        self.idom.get(b.index()).filter(|d| **d != NONE).map(|d| BlockId::new(*d as usize))
    }

    /// Whether `a` dominates `b`, both reachable.
    fn dominates(&self, a: BlockId, b: BlockId) -> bool {
        let (Some(&pa), Some(&pb)) = (self.pre.get(a.index()), self.pre.get(b.index())) else { return false };
        if pa == NONE || pb == NONE {
            return false;
        }
        pa <= pb && self.post[b.index()] <= self.post[a.index()]
    }
}

/// Blocks with more than this many blocks get no reach sets (their size grows with the square).
const MAX_REACH_BLOCKS: usize = 4096;

/// Reachability between blocks: per strongly connected component, a bit set of the blocks
/// reachable from it (itself included).
#[derive(Debug)]
struct Reach {
    /// Component of each block.
    comp: Vec<u32>,
    /// Whether the component holds a cycle (more than one block, or a block that loops to itself).
    cyclic: Vec<bool>,
    /// Per component: bits of the blocks reachable from it, `words` u64 per component.
    bits: Vec<u64>,
    words: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Function,
    Block,
    Loop,
    If,
}

struct Frame {
    kind: FrameKind,
    /// Where `br` to this label goes: loop header, or the block after `end`.
    branch_target: BlockId,
    /// The block after `end`.
    end_target: BlockId,
    /// For `if`: the block the false edge leads to, while no `else` was seen.
    pending_else: Option<BlockId>,
}

struct Builder {
    graph: DiGraph<Block, EdgeKind, u32>,
    instr_block: Vec<BlockId>,
    exit: BlockId,
}

impl Builder {
    fn new_block(&mut self, start: usize) -> BlockId {
        self.graph.add_node(Block { start, end: start, is_exit: false })
    }

    fn edge(&mut self, from: Option<BlockId>, to: BlockId, kind: EdgeKind) {
        if let Some(from) = from {
            self.graph.add_edge(from, to, kind);
        }
    }

    /// The block instruction `i` goes into: the current one, or a fresh block with no
    /// predecessors for dead code after `br`/`return`/`unreachable`.
    fn place(&mut self, cur: &mut Option<BlockId>, i: usize) -> BlockId {
        let b = match *cur {
            Some(b) => b,
            None => {
                let b = self.new_block(i);
                *cur = Some(b);
                b
            }
        };
        if self.graph[b].end == self.graph[b].start && self.graph[b].start != i {
            // An empty block (e.g. the continuation after `end`) starts where it is first used.
            self.graph[b].start = i;
        }
        self.graph[b].end = i + 1;
        self.instr_block.push(b);
        b
    }

    /// Starts a new block at `i` that `from` falls into.
    fn split(&mut self, cur: &mut Option<BlockId>, i: usize, kind: EdgeKind) -> BlockId {
        let next = self.new_block(i);
        self.edge(*cur, next, kind);
        *cur = Some(next);
        next
    }
}

fn target(frames: &[Frame], depth: u32, exit: BlockId) -> BlockId {
    let idx = frames.len().checked_sub(1 + depth as usize);
    match idx.and_then(|i| frames.get(i)) {
        Some(f) if f.kind == FrameKind::Function => exit,
        Some(f) => f.branch_target,
        // The validator rejects out-of-range depths; treat one as a return.
        None => exit,
    }
}

impl Cfg {
    pub fn build(body: &[Instr]) -> Cfg {
        let mut b = Builder {
            graph: DiGraph::default(),
            instr_block: Vec::with_capacity(body.len()),
            exit: NodeIndex::new(0),
        };
        let entry = b.new_block(0);
        let exit = b.graph.add_node(Block { start: body.len(), end: body.len(), is_exit: true });
        b.exit = exit;
        let mut frames = vec![Frame {
            kind: FrameKind::Function,
            branch_target: exit,
            end_target: exit,
            pending_else: None,
        }];
        let mut cur = Some(entry);

        for (i, instr) in body.iter().enumerate() {
            match &instr.op {
                Op::Block(_) => {
                    b.place(&mut cur, i);
                    let after = b.new_block(i + 1);
                    frames.push(Frame {
                        kind: FrameKind::Block,
                        branch_target: after,
                        end_target: after,
                        pending_else: None,
                    });
                }
                Op::Loop(_) => {
                    let header = b.new_block(i);
                    b.edge(cur, header, EdgeKind::Fallthrough);
                    cur = Some(header);
                    b.place(&mut cur, i);
                    let after = b.new_block(i + 1);
                    frames.push(Frame {
                        kind: FrameKind::Loop,
                        branch_target: header,
                        end_target: after,
                        pending_else: None,
                    });
                }
                Op::If(_) => {
                    let cond = b.place(&mut cur, i);
                    let after = b.new_block(i + 1);
                    let then = b.new_block(i + 1);
                    let els = b.new_block(i + 1);
                    b.graph.add_edge(cond, then, EdgeKind::True);
                    b.graph.add_edge(cond, els, EdgeKind::False);
                    cur = Some(then);
                    frames.push(Frame {
                        kind: FrameKind::If,
                        branch_target: after,
                        end_target: after,
                        pending_else: Some(els),
                    });
                }
                Op::Else => {
                    let (after, els) = match frames.last_mut() {
                        Some(f) if f.kind == FrameKind::If => (f.end_target, f.pending_else.take()),
                        _ => (exit, None),
                    };
                    b.edge(cur, after, EdgeKind::Fallthrough);
                    cur = els;
                    b.place(&mut cur, i);
                }
                Op::End => {
                    let frame = frames.pop();
                    match frame {
                        Some(f) if f.kind != FrameKind::Function => {
                            b.edge(cur, f.end_target, EdgeKind::Fallthrough);
                            if let Some(els) = f.pending_else {
                                b.graph.add_edge(els, f.end_target, EdgeKind::Fallthrough);
                            }
                            cur = Some(f.end_target);
                            b.place(&mut cur, i);
                        }
                        _ => {
                            // The function's final `end`.
                            b.place(&mut cur, i);
                            b.edge(cur, exit, EdgeKind::Return);
                            cur = None;
                        }
                    }
                }
                Op::Br(d) => {
                    b.place(&mut cur, i);
                    let t = target(&frames, *d, exit);
                    b.edge(cur, t, if t == exit { EdgeKind::Return } else { EdgeKind::Jump });
                    cur = None;
                }
                Op::BrIf(d) => {
                    b.place(&mut cur, i);
                    let t = target(&frames, *d, exit);
                    b.edge(cur, t, EdgeKind::True);
                    b.split(&mut cur, i + 1, EdgeKind::False);
                }
                Op::BrTable { targets, default } => {
                    b.place(&mut cur, i);
                    let mut seen = Vec::new();
                    for (n, d) in targets.iter().enumerate() {
                        let t = target(&frames, *d, exit);
                        if !seen.contains(&t) {
                            seen.push(t);
                            b.edge(cur, t, EdgeKind::Case(n as u32));
                        }
                    }
                    let t = target(&frames, *default, exit);
                    if !seen.contains(&t) {
                        b.edge(cur, t, EdgeKind::Case(u32::MAX));
                    }
                    cur = None;
                }
                Op::Return | Op::ReturnCall(_) | Op::ReturnCallIndirect { .. } => {
                    b.place(&mut cur, i);
                    b.edge(cur, exit, EdgeKind::Return);
                    cur = None;
                }
                Op::Unreachable => {
                    // A trap: no successor.
                    b.place(&mut cur, i);
                    cur = None;
                }
                _ => {
                    b.place(&mut cur, i);
                }
            }
        }
        Cfg {
            graph: b.graph,
            entry,
            exit,
            instr_block: b.instr_block,
            doms: std::sync::OnceLock::new(),
            reachable: std::sync::OnceLock::new(),
            reach: std::sync::OnceLock::new(),
        }
    }

    fn doms(&self) -> &DomTree {
        self.doms.get_or_init(|| DomTree::compute(&self.graph, self.entry))
    }

    /// Block of instruction `instr`.
    #[inline]
    pub fn block_of(&self, instr: usize) -> Option<BlockId> {
        self.instr_block.get(instr).copied()
    }

    pub fn blocks(&self) -> impl Iterator<Item = (BlockId, &Block)> {
        self.graph.node_indices().map(move |n| (n, &self.graph[n]))
    }

    pub fn successors(&self, b: BlockId) -> impl Iterator<Item = (BlockId, EdgeKind)> + '_ {
        self.graph.edges_directed(b, Direction::Outgoing).map(|e| (e.target(), *e.weight()))
    }

    pub fn predecessors(&self, b: BlockId) -> impl Iterator<Item = (BlockId, EdgeKind)> + '_ {
        self.graph.edges_directed(b, Direction::Incoming).map(|e| (e.source(), *e.weight()))
    }

    /// Whether block `b` is reachable from the entry.
    pub fn is_reachable(&self, b: BlockId) -> bool {
        let reachable = self.reachable.get_or_init(|| {
            let mut seen = vec![false; self.graph.node_count()];
            let mut work = vec![self.entry];
            while let Some(n) = work.pop() {
                match seen.get_mut(n.index()) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                work.extend(self.graph.neighbors_directed(n, Direction::Outgoing));
            }
            seen
        });
        reachable.get(b.index()).copied().unwrap_or(false)
    }

    /// Whether block `a` dominates block `b` (every path from entry to `b` passes `a`).
    /// Unreachable blocks are dominated by nothing but themselves.
    pub fn block_dominates(&self, a: BlockId, b: BlockId) -> bool {
        if a == b {
            return true;
        }
        self.doms().dominates(a, b)
    }

    /// Whether instruction `a` executes before `b` on every path from entry to `b`.
    pub fn dominates(&self, a: usize, b: usize) -> bool {
        match (self.block_of(a), self.block_of(b)) {
            (Some(ba), Some(bb)) if ba == bb => a <= b,
            (Some(ba), Some(bb)) => self.block_dominates(ba, bb),
            _ => false,
        }
    }

    /// Blocks that strictly dominate `b`, nearest first.
    pub fn dominators_of(&self, b: BlockId) -> Vec<BlockId> {
        let mut out = Vec::new();
        if !self.is_reachable(b) {
            return out;
        }
        let mut cur = b;
        while let Some(idom) = self.doms().idom(cur) {
            out.push(idom);
            cur = idom;
        }
        out
    }

    pub fn immediate_dominator(&self, b: BlockId) -> Option<BlockId> {
        self.doms().idom(b)
    }

    pub fn num_blocks(&self) -> usize {
        self.graph.node_count()
    }

    fn reach(&self) -> Option<&Reach> {
        self.reach
            .get_or_init(|| {
                let n = self.num_blocks();
                if n > MAX_REACH_BLOCKS {
                    return None;
                }
                // Components come out sinks first, so each one's successors are done before it.
                let sccs = petgraph::algo::tarjan_scc(&self.graph);
                let words = n.div_ceil(64);
                let mut comp = vec![0u32; n];
                for (c, members) in sccs.iter().enumerate() {
                    for b in members {
                        comp[b.index()] = c as u32;
                    }
                }
                let mut bits = vec![0u64; sccs.len() * words];
                let mut cyclic = vec![false; sccs.len()];
                for (c, members) in sccs.iter().enumerate() {
                    // Rows of earlier components (this one's successors) are complete.
                    let (done, rest) = bits.split_at_mut(c * words);
                    let row = &mut rest[..words];
                    for b in members {
                        row[b.index() / 64] |= 1 << (b.index() % 64);
                        for s in self.graph.neighbors_directed(*b, Direction::Outgoing) {
                            let sc = comp[s.index()] as usize;
                            if sc == c {
                                cyclic[c] = true;
                                continue;
                            }
                            if let Some(succ) = done.get(sc * words..(sc + 1) * words) {
                                for (w, x) in row.iter_mut().zip(succ) {
                                    *w |= x;
                                }
                            }
                        }
                    }
                    cyclic[c] |= members.len() > 1;
                }
                Some(Reach { comp, cyclic, bits, words })
            })
            .as_ref()
    }

    /// Whether instruction `b` may run after instruction `a` on some path (`a` before `b` in one
    /// block, or a way from `a`'s block to `b`'s, round a loop for the same block). True when
    /// unknown (an instruction outside the graph, a function too large for reach sets).
    #[inline]
    pub fn instr_reaches(&self, a: usize, b: usize) -> bool {
        let (Some(ba), Some(bb)) = (self.block_of(a), self.block_of(b)) else { return true };
        let Some(r) = self.reach() else { return true };
        let ca = r.comp[ba.index()] as usize;
        if ba == bb {
            return a < b || r.cyclic[ca];
        }
        r.bits[ca * r.words + bb.index() / 64] & (1 << (bb.index() % 64)) != 0
    }

    /// Whether instruction `a` may be followed by a normal return of the function (a way from its
    /// block to the exit). True when unknown.
    pub fn reaches_exit(&self, a: usize) -> bool {
        let Some(ba) = self.block_of(a) else { return true };
        let Some(r) = self.reach() else { return true };
        let ca = r.comp[ba.index()] as usize;
        let e = self.exit.index();
        r.bits[ca * r.words + e / 64] & (1 << (e % 64)) != 0
    }

    /// Whether block `to` is reachable from block `from` (itself included): by the reach sets,
    /// or breadth-first in a function too large for them.
    pub fn reaches(&self, from: BlockId, to: BlockId) -> bool {
        if let Some(r) = self.reach() {
            let (cf, t) = (r.comp[from.index()] as usize, to.index());
            return r.bits[cf * r.words + t / 64] & (1 << (t % 64)) != 0;
        }
        let mut seen = vec![false; self.num_blocks()];
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(b) = queue.pop_front() {
            if b == to {
                return true;
            }
            if std::mem::replace(&mut seen[b.index()], true) {
                continue;
            }
            queue.extend(self.successors(b).map(|(s, _)| s));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Vec<Instr> {
        let bytes = wat::parse_str(src).expect("valid WAT");
        let m = wasmaudit_front::parse(&bytes).expect("valid module");
        m.functions.into_iter().rev().find(|f| !f.is_import()).map(|f| f.body).unwrap_or_default()
    }

    fn idx(body: &[Instr], pred: impl Fn(&Op) -> bool) -> usize {
        body.iter().position(|i| pred(&i.op)).expect("instruction present")
    }

    #[test]
    fn if_else_join() {
        let b = body(
            r#"(module (import "env" "a" (func $a)) (import "env" "x" (func $x))
               (func (param i32)
                 call $a            ;; dominates: everything
                 local.get 0
                 if
                   call $x          ;; then
                 else
                   nop              ;; else
                 end
                 drop_me))"#
                .replace("drop_me", "nop")
                .as_str(),
        );
        let cfg = Cfg::build(&b);
        let first = idx(&b, |o| *o == Op::Call(0));
        let then_call = idx(&b, |o| *o == Op::Call(1));
        let else_nop = idx(&b, |o| *o == Op::Else) + 1;
        let last = b.len() - 2;
        assert!(cfg.dominates(first, then_call));
        assert!(cfg.dominates(first, last));
        assert!(!cfg.dominates(then_call, last), "then-branch does not dominate the join");
        assert!(!cfg.dominates(then_call, else_nop));
        let cond = cfg.block_of(idx(&b, |o| matches!(o, Op::If(_)))).expect("block");
        let kinds: Vec<_> = cfg.successors(cond).map(|(_, k)| k).collect();
        assert!(kinds.contains(&EdgeKind::True) && kinds.contains(&EdgeKind::False));
    }

    #[test]
    fn br_if_guard_dominates_fallthrough_only() {
        let b = body(
            r#"(module (import "env" "check" (func $check (result i32))) (import "env" "sink" (func $sink))
               (func
                 block
                   call $check
                   i32.eqz
                   br_if 0
                   call $sink
                 end))"#,
        );
        let cfg = Cfg::build(&b);
        let br = idx(&b, |o| matches!(o, Op::BrIf(_)));
        let sink = idx(&b, |o| *o == Op::Call(1));
        assert!(cfg.dominates(br, sink));
        let sink_block = cfg.block_of(sink).expect("block");
        let preds: Vec<_> = cfg.predecessors(sink_block).map(|(_, k)| k).collect();
        assert_eq!(preds, vec![EdgeKind::False]);
    }

    #[test]
    fn loops_and_dead_code() {
        let b = body(
            r#"(module (func (param i32)
                 loop
                   local.get 0
                   br_if 0
                 end
                 return
                 nop))"#,
        );
        let cfg = Cfg::build(&b);
        let header = cfg.block_of(idx(&b, |o| matches!(o, Op::Loop(_)))).expect("block");
        assert!(cfg.predecessors(header).any(|(_, k)| k == EdgeKind::True), "back edge");
        let dead = cfg.block_of(idx(&b, |o| *o == Op::Nop)).expect("block");
        assert!(!cfg.is_reachable(dead));
        assert!(!cfg.dominates(0, idx(&b, |o| *o == Op::Nop)));
    }

    #[test]
    fn unreachable_trap_has_no_successor() {
        let b = body(
            r#"(module (func (param i32)
                 local.get 0
                 if
                   unreachable
                 end
                 nop))"#,
        );
        let cfg = Cfg::build(&b);
        let trap = cfg.block_of(idx(&b, |o| *o == Op::Unreachable)).expect("block");
        assert_eq!(cfg.successors(trap).count(), 0);
        // The join after `end` is reached only through the else side.
        let nop = idx(&b, |o| *o == Op::Nop);
        let join = cfg.block_of(nop).expect("block");
        assert!(cfg.predecessors(join).all(|(p, _)| p != trap));
    }

    /// The dominator tree agrees with petgraph's reference algorithm on every pair of blocks of
    /// functions with loops, multi-way branches, early returns and dead code.
    #[test]
    fn dominators_agree_with_reference() {
        let srcs = [
            r#"(module (func (param i32) (result i32)
                 block block block
                   local.get 0 br_table 0 1 2
                 end local.get 0 return end
                 loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end
                 end
                 local.get 0 if local.get 0 return end
                 local.get 0 if (result i32) i32.const 1 else unreachable end))"#,
            r#"(module (func (param i32)
                 loop block local.get 0 br_if 0 local.get 0 br_if 1 end
                   loop local.get 0 if br 2 else br 1 end end
                 end
                 return
                 nop))"#,
        ];
        for src in srcs {
            let b = body(src);
            let cfg = Cfg::build(&b);
            let reference = petgraph::algo::dominators::simple_fast(&cfg.graph, cfg.entry);
            for x in cfg.graph.node_indices() {
                assert_eq!(
                    cfg.immediate_dominator(x),
                    if cfg.is_reachable(x) { reference.immediate_dominator(x) } else { None },
                    "idom of {x:?}"
                );
                for y in cfg.graph.node_indices() {
                    let mut walk = y;
                    let mut expected = x == y;
                    while let (false, true, Some(d)) =
                        (expected, cfg.is_reachable(y), reference.immediate_dominator(walk))
                    {
                        expected = d == x;
                        walk = d;
                    }
                    assert_eq!(cfg.block_dominates(x, y), expected, "{x:?} dom {y:?}");
                }
            }
        }
    }
}
