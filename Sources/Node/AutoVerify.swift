import EventLoop
import Logging
import SyncCore

/// The daemon's automatic checksum verification. A sync cycle that caught up with central asks
/// for a round: every bucket, a sixteenth at a time (`sliceSize`), one slice per `interval`, so
/// one verification reads a sixteenth of the replica. A cycle during a round asks for one more
/// round after it (a row changed behind kct's back meanwhile may lie in a slice already done).
/// The first slice after start runs at once; a slice that finds the replica behind central's
/// checksums (central moved on) waits for the next caught-up cycle. No timer runs unless a
/// cycle asked: an idle daemon with nothing to verify does nothing. Loop-confined.
final class AutoVerify {
    /// nil: never verify automatically.
    let interval: Duration?
    /// Buckets per verification.
    static let sliceSize = BucketChecksum.bucketCount / 16
    private let logger: Logger
    private var running = false
    /// Slices left in the current round; a round asked for while one runs.
    private var slicesLeft = 0
    private var anotherRound = false
    /// First bucket of the next slice.
    private var nextSlice = 0
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
        guard interval != nil else { return }
        if slicesLeft == 0 { slicesLeft = BucketChecksum.bucketCount / Self.sliceSize } else { anotherRound = true }
        next()
    }

    /// Runs the next slice now, or when the interval since the last one is over.
    private func next() {
        guard let interval, let engine, slicesLeft > 0, !running else { return }
        if let lastVerifiedAt {
            let left = interval - (ContinuousClock.now - lastVerifiedAt)
            if left > .zero {
                if timer == nil { timer = engine.loop.makeTimer { [weak self] _ in self?.next() } }
                timer?.start(after: left)
                return
            }
        }
        running = true
        let slice = nextSlice...(nextSlice + Self.sliceSize - 1)
        engine.verify(buckets: slice) { [self] result in
            running = false
            switch result {
            case .success(let report):
                finished(slice)
                if !report.unrepaired.isEmpty {
                    logger.error("buckets \(report.unrepaired) still differ from central's after repair")
                }
            case .failure(.notCaughtUp):
                // The next caught-up cycle resumes the round.
                return
            case .failure(.unsupported):
                logger.notice("central offers no checksums; not verifying")
                slicesLeft = 0
                anotherRound = false
                lastVerifiedAt = .now
            case .failure(let error):
                // The round ends; the next caught-up cycle starts another.
                logger.warning("checksum verification failed: \(error)")
                slicesLeft = 0
                anotherRound = false
                lastVerifiedAt = .now
            }
            next()
        }
    }

    private func finished(_ slice: ClosedRange<Int>) {
        lastVerifiedAt = .now
        nextSlice = (slice.upperBound + 1) % BucketChecksum.bucketCount
        slicesLeft -= 1
        if slicesLeft == 0, anotherRound {
            anotherRound = false
            slicesLeft = BucketChecksum.bucketCount / Self.sliceSize
        }
    }
}
