/// Resource limits on one module. An adversarial module that exceeds one is rejected with a
/// clear error instead of exhausting memory or time.
///
/// The front end enforces the file size, function count, instructions per body and locals
/// before and while decoding; the engine enforces the graph sizes from the decoded module
/// before it builds the graphs (they are linear in the instructions, but a module's total can
/// still be far beyond any real contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_file_size: usize,
    /// Most functions (imported and defined) in one module.
    pub max_functions: usize,
    /// Most instructions in one function body.
    pub max_body_instructions: usize,
    /// Most locals one function may declare (they are stored run-length encoded).
    pub max_locals: usize,
    /// Most basic blocks in the control-flow graphs of one module, all functions together
    /// (an upper bound counted from the control instructions, checked before building them).
    pub max_cfg_blocks: usize,
    /// Most call-graph edges in one module: each `call_indirect` gets an edge to every function
    /// of its type in its table, so the count can grow as sites × table entries.
    pub max_call_edges: usize,
    /// Analysis steps for one module's data flow (about one per instruction per pass, plus the
    /// values created and environment entries copied). An analysis that runs out stops with a
    /// coarser result instead of running away; no contract of the real corpus needs a tenth.
    pub max_analysis_steps: u64,
}

impl Limits {
    pub const DEFAULT_MAX_FILE_SIZE: usize = 64 * 1024 * 1024;
    pub const DEFAULT_MAX_FUNCTIONS: usize = 200_000;
    pub const DEFAULT_MAX_BODY_INSTRUCTIONS: usize = 2_000_000;
    pub const DEFAULT_MAX_LOCALS: usize = 50_000_000;
    pub const DEFAULT_MAX_CFG_BLOCKS: usize = 4_000_000;
    pub const DEFAULT_MAX_CALL_EDGES: usize = 4_000_000;
    /// The same as `wasmaudit_flow::DEFAULT_STEPS`.
    pub const DEFAULT_MAX_ANALYSIS_STEPS: u64 = 50_000_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: Limits::DEFAULT_MAX_FILE_SIZE,
            max_functions: Limits::DEFAULT_MAX_FUNCTIONS,
            max_body_instructions: Limits::DEFAULT_MAX_BODY_INSTRUCTIONS,
            max_locals: Limits::DEFAULT_MAX_LOCALS,
            max_cfg_blocks: Limits::DEFAULT_MAX_CFG_BLOCKS,
            max_call_edges: Limits::DEFAULT_MAX_CALL_EDGES,
            max_analysis_steps: Limits::DEFAULT_MAX_ANALYSIS_STEPS,
        }
    }
}
