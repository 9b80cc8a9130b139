/// Central's bound on how far ahead of its own clock a change's timestamp may be.
///
/// A workstation whose clock runs days ahead would otherwise win every last-writer-wins
/// conflict for days. Central does not reject such a change (the edit is real, and the node's
/// clock cannot go back, so every later edit would be refused too); it **clamps** it: the
/// change is accepted with a timestamp from central's own clock, which is what every replica
/// stores and orders by. The push outcome carries the new timestamp (`hlc`) so the node
/// replaces its pending copy, and `clamped_from` so it can warn staff that its clock is wrong.
package enum ClockDrift {
    /// Default bound: five minutes, for central's clamp and for `HybridLogicalClock.receive`.
    package static let defaultMaxDriftMillis: UInt64 = 5 * 60 * 1000

    package enum Verdict: Hashable, Sendable {
        case withinBound
        /// The change must be re-stamped; `aheadMillis` is how far ahead it was.
        case tooFarAhead(aheadMillis: UInt64)
    }

    /// Judges a change stamped `hlc` arriving at central at wall time `centralNowMillis`.
    package static func validateDrift(
        _ hlc: HLC, centralNowMillis: UInt64, maxDriftMillis: UInt64 = defaultMaxDriftMillis
    ) -> Verdict {
        guard hlc.millis > centralNowMillis else { return .withinBound }
        let ahead = hlc.millis - centralNowMillis
        return ahead > maxDriftMillis ? .tooFarAhead(aheadMillis: ahead) : .withinBound
    }

    package static func validateDrift(
        _ change: Change, centralNowMillis: UInt64, maxDriftMillis: UInt64 = defaultMaxDriftMillis
    ) -> Verdict {
        validateDrift(change.hlc, centralNowMillis: centralNowMillis, maxDriftMillis: maxDriftMillis)
    }
}
