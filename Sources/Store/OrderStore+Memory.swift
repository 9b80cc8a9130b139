import GRDB

extension OrderStore {
    /// Frees what SQLite holds only for speed: the writer's page cache and prepared statements,
    /// and the reader connections (the next read opens one again). For an idle daemon
    /// (`IdleMemoryRelease` in Node); waits for the reads and the write under way.
    package func releaseMemory() {
        pool.releaseMemory()
    }
}
