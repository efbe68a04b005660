//! Where each structured construct of a body ends, for walks that step through the code itself
//! (concrete runs, symbolic encodings) rather than through the [`crate::Cfg`].

use wasmaudit_front::{Instr, Op};

/// The matching `end` of every `block`, `loop` and `if` (and of an `if`'s `else`), and the
/// `else` of every `if`, by instruction index. Unbalanced bodies leave the unmatched ones unset.
#[derive(Debug, Default)]
pub struct Nesting {
    ends: Vec<Option<usize>>,
    elses: Vec<Option<usize>>,
}

impl Nesting {
    pub fn of(body: &[Instr]) -> Nesting {
        let mut ends = vec![None; body.len()];
        let mut elses: Vec<Option<usize>> = vec![None; body.len()];
        let mut open: Vec<usize> = Vec::new();
        for (i, ins) in body.iter().enumerate() {
            match ins.op {
                Op::Block(_) | Op::Loop(_) | Op::If(_) => open.push(i),
                Op::Else => {
                    if let Some(&k) = open.last() {
                        elses[k] = Some(i);
                    }
                }
                Op::End => {
                    if let Some(k) = open.pop() {
                        ends[k] = Some(i);
                        if let Some(e) = elses[k] {
                            ends[e] = Some(i);
                        }
                    }
                }
                _ => {}
            }
        }
        Nesting { ends, elses }
    }

    /// The `end` of the construct opened (or continued by `else`) at `i`.
    pub fn end(&self, i: usize) -> Option<usize> {
        self.ends.get(i).copied().flatten()
    }

    /// The `else` of the `if` at `i`.
    pub fn else_of(&self, i: usize) -> Option<usize> {
        self.elses.get(i).copied().flatten()
    }
}
