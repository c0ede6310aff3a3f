//! A box whose memory is wiped when it is freed, for key types (ring's) that do not
//! zeroize themselves.

use std::alloc::{dealloc, Layout};
use std::ptr::NonNull;

use zeroize::Zeroize;

/// Owns a `T` on the heap; on drop, runs `T`'s destructor, overwrites its bytes with zeros
/// (volatile writes the compiler cannot elide), then frees the memory.
pub(crate) struct WipedBox<T> {
    ptr: NonNull<T>,
}

// SAFETY: WipedBox<T> owns its T exactly like Box<T>, so it is Send/Sync when T is.
unsafe impl<T: Send> Send for WipedBox<T> {}
unsafe impl<T: Sync> Sync for WipedBox<T> {}

impl<T> WipedBox<T> {
    pub(crate) fn new(value: T) -> Self {
        assert!(std::mem::size_of::<T>() > 0, "nothing to wipe in a zero-sized type");
        WipedBox { ptr: NonNull::from(Box::leak(Box::new(value))) }
    }
}

impl<T> std::ops::Deref for WipedBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: ptr came from Box::leak and stays valid until drop.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Drop for WipedBox<T> {
    fn drop(&mut self) {
        let raw = self.ptr.as_ptr();
        // SAFETY: raw came from Box::new (the global allocator, Layout::new::<T>()) and is
        // dropped exactly once here. After drop_in_place the memory holds no live T, so
        // writing bytes over it is sound; then it is freed with the layout it was made with.
        unsafe {
            std::ptr::drop_in_place(raw);
            std::slice::from_raw_parts_mut(raw.cast::<u8>(), std::mem::size_of::<T>()).zeroize();
            dealloc(raw.cast::<u8>(), Layout::new::<T>());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Secret([u8; 32]);
    impl Drop for Secret {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn derefs_and_drops_once() {
        let boxed = WipedBox::new(Secret([7; 32]));
        assert_eq!(boxed.0[31], 7);
        drop(boxed);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    }
}
