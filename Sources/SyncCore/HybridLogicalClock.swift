/// A hybrid logical clock timestamp (Kulkarni et al. 2014): 48 bits of wall-clock milliseconds
/// and a 16-bit counter, packed into one `UInt64` so it sorts and stores as a single integer.
/// Ties between equal timestamps from different nodes are broken by node id (see `HLCStamp`).
package struct HLC: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    package static let counterBits: UInt64 = 16
    package static let maxMillis: UInt64 = (1 << 48) - 1
    package static let maxCounter: UInt64 = (1 << 16) - 1

    /// `millis << 16 | counter`.
    package let packed: UInt64

    package init(packed: UInt64) { self.packed = packed }

    package init(millis: UInt64, counter: UInt16) {
        precondition(millis <= Self.maxMillis, "HLC milliseconds exceed 48 bits")
        self.packed = millis << Self.counterBits | UInt64(counter)
    }

    package var millis: UInt64 { packed >> Self.counterBits }
    package var counter: UInt16 { UInt16(truncatingIfNeeded: packed & Self.maxCounter) }

    package static let zero = HLC(packed: 0)

    package static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.packed < rhs.packed }

    /// Printed as `millis-counter` so a person can read the wall time part.
    package var description: String { "\(millis)-\(counter)" }

    package init(from decoder: any Decoder) throws {
        self.packed = try decoder.singleValueContainer().decode(UInt64.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(packed)
    }
}

/// Errors a clock reports instead of going backwards or overflowing.
package enum HLCError: Error, Equatable, Sendable {
    /// A remote timestamp is further ahead of the local wall clock than `maxDriftMillis`.
    case driftTooLarge(remoteMillis: UInt64, localMillis: UInt64, maxDriftMillis: UInt64)
    /// More than 65,535 events in one millisecond without the wall clock moving.
    case counterOverflow
}

/// The clock state of one node. Value type: the Store persists `last` after every tick so the
/// clock never goes backwards across restarts.
package struct HybridLogicalClock: Sendable {
    package private(set) var last: HLC
    /// How far ahead of the local wall clock a received timestamp may be.
    package var maxDriftMillis: UInt64

    package init(last: HLC = .zero, maxDriftMillis: UInt64 = ClockDrift.defaultMaxDriftMillis) {
        self.last = last
        self.maxDriftMillis = maxDriftMillis
    }

    /// A timestamp for a local event at wall time `nowMillis`.
    package mutating func tick(nowMillis: UInt64) throws(HLCError) -> HLC {
        let millis = max(last.millis, nowMillis)
        let next: HLC
        if millis == last.millis {
            guard UInt64(last.counter) < HLC.maxCounter else { throw .counterOverflow }
            next = HLC(millis: millis, counter: last.counter + 1)
        } else {
            next = HLC(millis: millis, counter: 0)
        }
        last = next
        return next
    }

    /// Advances past a timestamp received from another node, refusing one that is too far ahead.
    package mutating func receive(_ remote: HLC, nowMillis: UInt64) throws(HLCError) -> HLC {
        if remote.millis > nowMillis, remote.millis - nowMillis > maxDriftMillis {
            throw .driftTooLarge(remoteMillis: remote.millis, localMillis: nowMillis, maxDriftMillis: maxDriftMillis)
        }
        let millis = max(last.millis, remote.millis, nowMillis)
        let counter: UInt64
        if millis == last.millis && millis == remote.millis {
            counter = UInt64(max(last.counter, remote.counter)) + 1
        } else if millis == last.millis {
            counter = UInt64(last.counter) + 1
        } else if millis == remote.millis {
            counter = UInt64(remote.counter) + 1
        } else {
            counter = 0
        }
        guard counter <= HLC.maxCounter else { throw .counterOverflow }
        let next = HLC(millis: millis, counter: UInt16(counter))
        last = next
        return next
    }
}

extension HybridLogicalClock {
    /// Moves the clock past a timestamp taken from central's log, so every later local event
    /// sorts after it. No drift check: central already bounded the drift of what it logged, and
    /// refusing would let an edit made *after* seeing a change sort *before* it whenever this
    /// workstation's own clock runs behind.
    package mutating func advance(past logged: HLC) {
        if logged > last { last = logged }
    }
}

/// A timestamp together with the node that made it: the total order used by last-writer-wins.
package struct HLCStamp: Hashable, Comparable, Sendable, Codable {
    package var hlc: HLC
    package var nodeID: String

    package init(hlc: HLC, nodeID: String) {
        self.hlc = hlc
        self.nodeID = nodeID
    }

    package static func < (lhs: HLCStamp, rhs: HLCStamp) -> Bool {
        (lhs.hlc, lhs.nodeID) < (rhs.hlc, rhs.nodeID)
    }

    enum CodingKeys: String, CodingKey {
        case hlc, nodeID = "node_id"
    }
}
