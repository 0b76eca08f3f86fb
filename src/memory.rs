//! The allocator warroom runs on: mimalloc, told before its first allocation to commit its
//! arenas only as they are used and to give freed memory back after 10 ms. Following 150,000
//! pods, glibc's malloc held 103-104 MiB once the model was complete, mimalloc with its
//! defaults about 115, and tuned 84-95 (`cargo bench --bench cluster_model`). Returning memory
//! at once (a delay of 0) held a little less but slowed the drill cluster's pages by half.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::Once;

use mimalloc::MiMalloc;

#[global_allocator]
static ALLOCATOR: Tuned = Tuned;

/// mimalloc's option numbers, from `mi_option_e` in the v3 `mimalloc.h` that the locked
/// libmimalloc-sys builds (it does not export them).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc with its options set before it first allocates: the first arena is committed
/// by the first allocation, before `main` runs, so setting them from `main` is too late.
struct Tuned;

static TUNE: Once = Once::new();

fn tune() {
    // SAFETY: mi_option_set only stores the value; `Once` runs it before any other caller
    // allocates through this allocator.
    TUNE.call_once(|| unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
    });
}

// SAFETY: every call goes to mimalloc's own GlobalAlloc unchanged.
unsafe impl GlobalAlloc for Tuned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        tune();
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        tune();
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// Which options the allocator runs with, for tests: (arena eager commit, purge delay in ms).
pub fn options() -> (std::ffi::c_long, std::ffi::c_long) {
    tune();
    // SAFETY: reads an option's value.
    unsafe {
        (
            libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT),
            libmimalloc_sys::mi_option_get(PURGE_DELAY),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_allocator_runs_with_its_options_set() {
        let _ = vec![0u8; 4096];
        assert_eq!(super::options(), (0, 10));
    }
}
