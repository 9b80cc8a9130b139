import EventLoop
import Logging

/// The daemon's automatic checksum verification: after a sync cycle that caught up with
/// central, at most once per `interval` (the first caught-up cycle after start verifies at
/// once), one verification at a time. A caught-up cycle that comes too soon after the last
/// verification, or while one runs, is not dropped: it asks for one more, which a timer starts
/// when the interval is over (a row changed behind kct's back meanwhile is then found). A
/// verification that finds the replica behind central's checksums (central moved on) waits for
/// the next caught-up cycle. No timer runs unless a cycle asked. Loop-confined.
final class AutoVerify {
    /// nil: never verify automatically.
    let interval: Duration?
    private let logger: Logger
    private var running = false
    /// A caught-up cycle asked for a verification that has not started yet.
    private var wanted = false
    private var lastVerifiedAt: ContinuousClock.Instant?
    private weak var engine: SyncEngine?
    private var timer: LoopTimer?

    init(interval: Duration?, logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    /// Hooks `engine` (every engine the daemon runs; the latest is the one verified).
    func watch(_ engine: SyncEngine) {
        self.engine = engine
        engine.onCaughtUp = { [weak self] _ in self?.caughtUp() }
    }

    func close() {
        timer?.close()
        timer = nil
        engine = nil
    }

    private func caughtUp() {
        guard let interval, let engine else { return }
        wanted = true
        guard !running else { return }
        if let lastVerifiedAt {
            let left = interval - (ContinuousClock.now - lastVerifiedAt)
            if left > .zero {
                if timer == nil { timer = engine.loop.makeTimer { [weak self] _ in self?.caughtUp() } }
                timer?.start(after: left)
                return
            }
        }
        wanted = false
        running = true
        engine.verify { [self] result in
            running = false
            switch result {
            case .success(let report):
                lastVerifiedAt = .now
                if !report.unrepaired.isEmpty {
                    logger.error("buckets \(report.unrepaired) still differ from central's after repair")
                }
            case .failure(.notCaughtUp):
                // The next caught-up cycle asks again.
                wanted = false
            case .failure(.unsupported):
                logger.notice("central offers no checksums; not verifying")
                lastVerifiedAt = .now
            case .failure(let error):
                logger.warning("checksum verification failed: \(error)")
                lastVerifiedAt = .now
            }
            if wanted { caughtUp() }
        }
    }
}
