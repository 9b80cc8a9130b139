import Testing

@testable import OrderDomain

@Suite struct TimestampTests {
    @Test(arguments: [
        (UInt64(0), "1970-01-01T00:00:00.000Z", "1970-01-01 00:00:00.000 UTC"),
        (1_796_220_903_120, "2026-12-02T14:15:03.120Z", "2026-12-02 14:15:03.120 UTC"),
        (951_782_400_007, "2000-02-29T00:00:00.007Z", "2000-02-29 00:00:00.007 UTC"),
    ])
    func formatsStoredAndReadable(millis: UInt64, stored: String, readable: String) {
        #expect(Timestamp.format(millis: millis) == stored)
        #expect(Timestamp.readable(millis: millis) == readable)
        #expect(Timestamp.parseMillis(stored) == millis)
    }

    @Test func parsesOnlyWhatItWrites() {
        for text in ["2026-12-01 14:15:03.120Z", "2026-12-01T14:15:03Z", "2026-02-30T00:00:00.000Z", ""] {
            #expect(Timestamp.parseMillis(text) == nil, "\(text)")
        }
    }

    @Test func calendarDaysRoundTrip() {
        for days in [-719_468, -1, 0, 59, 60, 10_956, 20_788, 2_932_896] {
            #expect(CalendarDate(daysSince1970: days).daysSince1970 == days)
        }
        #expect(CalendarDate(daysSince1970: 10_956).description == "1999-12-31")
    }
}
