import Foundation
import SyncCore

/// What a push stores of each change it received that does not depend on how the change is
/// settled: its digest (`outcomes`) and its packed wire text (`log`, unless central re-stamps
/// it). Computed before the push waits for any lock, in parallel with other pushes, so that the
/// section pushes take one at a time does not spend its time on them (SYNC-PROTOCOL §4.12).
struct ReceivedChangeEncodings {
    struct Encoded {
        var change: Change
        var digest: Data
        var packed: Data
    }

    /// By sequence: a push carries one node's changes, each sequence once.
    private var bySequence: [Int64: Encoded] = [:]

    /// None: every encoding is made when it is asked for.
    init() {}

    init(_ changes: [Change]) throws(LogChangeCodecError) {
        let packer = try LogChangePacker()
        bySequence.reserveCapacity(changes.count)
        for change in changes where bySequence[change.sequence] == nil {
            let text = Array(change.wire.canonicalString.utf8)
            bySequence[change.sequence] = Encoded(
                change: change, digest: ReceivedChangeDigest.of(canonical: text), packed: try packer.pack(text))
        }
    }

    /// The encodings made of exactly this change, if any.
    private func encoded(_ change: Change) -> Encoded? {
        guard let encoded = bySequence[change.sequence], encoded.change == change else { return nil }
        return encoded
    }

    func digest(of change: Change) -> Data { encoded(change)?.digest ?? ReceivedChangeDigest.of(change) }

    /// The log's stored form of an accepted change: the one made before, unless central
    /// re-stamped the change since (then it is another text).
    func packed(_ change: Change, packer: LogChangePacker) throws(LogChangeCodecError) -> Data {
        if let encoded = encoded(change) { return encoded.packed }
        return try packer.pack(change.wire.canonicalString.utf8)
    }
}
