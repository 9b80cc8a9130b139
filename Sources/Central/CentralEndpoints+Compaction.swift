import EventLoop

extension CentralEndpoints {
    /// `kct central serve --compact-keep-days/--compact-keep-versions`: compacts once at start and
    /// then every `compactionInterval`, off the loop (`CentralStore.compact` writes in batches).
    func startCompaction() {
        guard let policy = options.compaction else { return }
        let store = self.store
        let logger = self.logger
        compactionTimer = loop.makeTimer { [weak self] _ in
            guard let self else { return }
            loop.offload({ try store.compact(policy) }) { result in
                switch result {
                case .success(let report) where report.removedEntries > 0:
                    logger.info(
                        "compacted the log through version \(report.compactedThrough): \(report.removedEntries) entries"
                    )
                case .success: break
                case .failure(let error): logger.error("log compaction failed: \(error)")
                }
            }
        }
        compactionTimer?.start(after: .zero, repeating: options.compactionInterval)
    }
}
