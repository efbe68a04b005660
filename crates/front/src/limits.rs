/// Resource limits the front end enforces before and while decoding. An adversarial module
/// that exceeds one is rejected with a clear error instead of exhausting memory.
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 64 * 1024 * 1024,
            max_functions: 200_000,
            max_body_instructions: 2_000_000,
            max_locals: 50_000_000,
        }
    }
}
