import EventLoop
import Store

/// Gives memory back once the daemon has had nothing to do for `delay` (no sync cycle, no edit,
/// no API request): SQLite's caches and reader connections (`OrderStore.releaseMemory`), malloc's
/// free memory, and the code and constants that starting and the last work mapped
/// (`ProcessTuning.releaseIdleMemory`). The next request maps back what it runs, a few ms of
/// minor page faults once (BENCHMARKS.md "Session 8" measures both). Runs on the thread pool;
/// no timer runs while the daemon stays idle. Loop-confined.
final class IdleMemoryRelease {
    let delay: Duration
    private let loop: EventLoop
    private let store: OrderStore
    private var timer: LoopTimer?
    private var releasing = false
    /// Whether work is under way (a sync cycle): the release waits another `delay`.
    var isBusy: () -> Bool = { false }

    init(loop: EventLoop, store: OrderStore, delay: Duration) {
        self.loop = loop
        self.store = store
        self.delay = delay
    }

    /// Something ran: the release waits until `delay` after the last such call.
    func noteActivity() {
        if timer == nil { timer = loop.makeTimer { [weak self] _ in self?.release() } }
        timer?.start(after: delay)
    }

    func close() {
        timer?.close()
        timer = nil
    }

    private func release() {
        guard !releasing else { return }
        if isBusy() { return noteActivity() }
        releasing = true
        let store = self.store
        loop.offload({
            store.releaseMemory()
            ProcessTuning.releaseIdleMemory()
        }) { [weak self] _ in self?.releasing = false }
    }
}
