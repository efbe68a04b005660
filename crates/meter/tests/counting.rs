//! The counts seen by a binary whose global allocator is the wrapper.

#[global_allocator]
static A: wasmaudit_meter::Counting<std::alloc::System> = wasmaudit_meter::Counting::new(std::alloc::System);

#[test]
fn live_and_peak_follow_this_threads_heap() {
    let warm: Vec<u8> = Vec::with_capacity(16);
    drop(warm);
    assert!(wasmaudit_meter::active());
    let start = wasmaudit_meter::live();
    wasmaudit_meter::reset_peak();

    let mut v: Vec<u8> = Vec::with_capacity(1 << 20);
    v.push(1);
    assert!(wasmaudit_meter::live() - start >= 1 << 20);
    // Growth through `realloc` counts the difference.
    v.reserve_exact(3 << 20);
    assert!(wasmaudit_meter::live() - start >= 3 << 20);
    drop(v);
    assert!(wasmaudit_meter::live() - start < 1 << 16);
    // The peak remembers the largest moment.
    assert!(wasmaudit_meter::peak() - start >= 3 << 20);

    // Another thread's heap is its own.
    let before = wasmaudit_meter::live();
    let other = std::thread::spawn(|| {
        let big = vec![7u8; 8 << 20];
        let mine = wasmaudit_meter::live();
        drop(big);
        mine
    })
    .join()
    .unwrap_or(0);
    // (less what the new thread frees of its start-up data, allocated by the spawning thread)
    assert!(other >= (8 << 20) - 4096, "{other}");
    assert!(wasmaudit_meter::live() - before < 8 << 20);
}
