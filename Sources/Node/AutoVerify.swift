import EventLoop
import Logging

/// The daemon's automatic checksum verification: after a sync cycle that caught up with
/// central, at most once per `interval` (the first caught-up cycle after start always
/// verifies), one verification at a time. A verification that finds the replica behind
/// central's checksums (central moved on meanwhile) is tried again after the next caught-up
/// cycle. Loop-confined.
final class AutoVerify {
    /// nil: never verify automatically.
    let interval: Duration?
    private let logger: Logger
    private var running = false
    private var lastVerifiedAt: ContinuousClock.Instant?

    init(interval: Duration?, logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    /// Hooks `engine` (every engine the daemon runs).
    func watch(_ engine: SyncEngine) {
        engine.onCaughtUp = { [weak self, weak engine] _ in
            guard let self, let engine else { return }
            self.caughtUp(engine)
        }
    }

    private func caughtUp(_ engine: SyncEngine) {
        guard let interval, !running else { return }
        if let lastVerifiedAt, ContinuousClock.now - lastVerifiedAt < interval { return }
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
                break
            case .failure(.unsupported):
                logger.notice("central offers no checksums; not verifying")
                lastVerifiedAt = .now
            case .failure(let error):
                logger.warning("checksum verification failed: \(error)")
                lastVerifiedAt = .now
            }
        }
    }
}
