//! SQLite's process-wide settings, made once before the first connection opens (SQLite refuses
//! them afterwards): no memory statistics, and mimalloc for its memory.

use libmimalloc_sys::{mi_free, mi_good_size, mi_malloc, mi_realloc, mi_usable_size};
use libsqlite3_sys::{sqlite3_config, sqlite3_mem_methods, SQLITE_CONFIG_MALLOC, SQLITE_CONFIG_MEMSTATUS, SQLITE_OK};
use std::ffi::{c_int, c_void};

pub fn configure() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Memory statistics, which Roster never reads: with them on, every allocation SQLite
        // makes (one or two per value of every row read) takes one global mutex, which the
        // pool's connections, each on its own thread, then contend for. SQLite recommends
        // turning them off (SQLITE_DEFAULT_MEMSTATUS=0).
        // SAFETY: an option that takes one int, before SQLite initializes (if it already has,
        // SQLite answers SQLITE_MISUSE and changes nothing).
        let memstatus = unsafe { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) };
        // Its memory from mimalloc, the server's allocator, instead of the C library's malloc:
        // under load, glibc's malloc (its arenas shared by the connections' threads, and
        // malloc_consolidate) took a measurable share of the server's time serving the users page.
        // SAFETY: as above; SQLite copies the methods before sqlite3_config returns.
        let malloc = unsafe { sqlite3_config(SQLITE_CONFIG_MALLOC, &mimalloc() as *const sqlite3_mem_methods) };
        if memstatus != SQLITE_OK || malloc != SQLITE_OK {
            tracing::debug!(
                memstatus,
                malloc,
                "SQLite keeps its defaults (it was already initialized)"
            );
        }
    });
}

/// SQLite's allocator methods on mimalloc (SQLite copies them, so a temporary will do).
fn mimalloc() -> sqlite3_mem_methods {
    sqlite3_mem_methods {
        xMalloc: Some(sqlite_malloc),
        xFree: Some(sqlite_free),
        xRealloc: Some(sqlite_realloc),
        xSize: Some(sqlite_size),
        xRoundup: Some(sqlite_roundup),
        xInit: Some(sqlite_init),
        xShutdown: Some(sqlite_shutdown),
        pAppData: std::ptr::null_mut(),
    }
}

// SQLite asks for sizes as positive ints and needs 8-byte alignment (mimalloc gives 16).

unsafe extern "C" fn sqlite_malloc(size: c_int) -> *mut c_void {
    // SAFETY: any size may be asked of mi_malloc.
    unsafe { mi_malloc(size.max(0) as usize) }
}

unsafe extern "C" fn sqlite_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what these methods allocated.
    unsafe { mi_free(p) }
}

unsafe extern "C" fn sqlite_realloc(p: *mut c_void, size: c_int) -> *mut c_void {
    // SAFETY: as for free.
    unsafe { mi_realloc(p, size.max(0) as usize) }
}

unsafe extern "C" fn sqlite_size(p: *mut c_void) -> c_int {
    // SAFETY: as for free; SQLite's allocations stay far below 2 GiB.
    unsafe { mi_usable_size(p) as c_int }
}

unsafe extern "C" fn sqlite_roundup(size: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    unsafe { mi_good_size(size.max(0) as usize) as c_int }
}

unsafe extern "C" fn sqlite_init(_: *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn sqlite_shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use libmimalloc_sys::mi_is_in_heap_region;
    use libsqlite3_sys::{sqlite3_free, sqlite3_malloc, sqlite3_status64, SQLITE_OK, SQLITE_STATUS_MEMORY_USED};

    async fn open() -> Db {
        let db = Db::connect("sqlite::memory:")
            .await
            .expect("open an in-memory database");
        let mut conn = db.pool.acquire().await.expect("a connection");
        sqlx::query("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a value SQLite allocates for')")
            .execute(&mut *conn)
            .await
            .expect("write");
        db
    }

    #[tokio::test]
    async fn sqlite_keeps_no_memory_statistics() {
        let _db = open().await;
        let (mut used, mut highest) = (0i64, 0i64);
        // SAFETY: both pointers are valid for the call; the statistic is read, not reset.
        let code = unsafe { sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &mut used, &mut highest, 0) };
        assert_eq!(code, SQLITE_OK);
        // With statistics on, an open connection's memory shows here (and every allocation
        // took SQLite's global memory mutex to count it).
        assert_eq!((used, highest), (0, 0), "SQLite still counts its memory use");
    }

    #[tokio::test]
    async fn sqlite_takes_its_memory_from_mimalloc() {
        let _db = open().await;
        // SAFETY: SQLite is initialized (a connection is open); the block is freed by SQLite.
        unsafe {
            let block = sqlite3_malloc(1000);
            assert!(!block.is_null());
            let from_mimalloc = mi_is_in_heap_region(block);
            sqlite3_free(block);
            assert!(from_mimalloc, "SQLite allocated from the C library's malloc");
        }
    }
}
