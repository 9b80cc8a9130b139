import Foundation

/// Wall time in milliseconds since 1970, as the node's Store and central read it. Both take a
/// clock of this type so tests control time.
package enum WallClock {
    package static let system: @Sendable () -> UInt64 = {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }
}
