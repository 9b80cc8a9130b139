import Testing

@testable import SyncCore

@Suite struct HLCTests {
    @Test func tickNeverGoesBackwards() throws {
        var clock = HybridLogicalClock()
        let a = try clock.tick(nowMillis: 1_000)
        let b = try clock.tick(nowMillis: 900) // wall clock stepped back
        #expect(b > a)
        #expect(b.millis == 1_000 && b.counter == 1)
    }

    @Test func receiveRefusesTimestampsTooFarAhead() {
        var clock = HybridLogicalClock(maxDriftMillis: 1_000)
        #expect(throws: HLCError.self) {
            _ = try clock.receive(HLC(millis: 10_000, counter: 0), nowMillis: 1_000)
        }
    }
}

extension HLCTests {
    @Test func advancingPastALoggedStampIgnoresTheLocalWallClock() throws {
        var clock = HybridLogicalClock(maxDriftMillis: 1_000)
        clock.advance(past: HLC(millis: 10_000_000, counter: 3))
        let next = try clock.tick(nowMillis: 1_000)
        #expect(next == HLC(millis: 10_000_000, counter: 4))
        clock.advance(past: HLC(millis: 5, counter: 0))
        #expect(clock.last == next)
    }
}
