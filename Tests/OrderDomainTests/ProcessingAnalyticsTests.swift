import Testing

@testable import OrderDomain

/// Processing analytics from status history: per order, per period, whatever order the synced
/// history arrived in.
@Suite struct ProcessingAnalyticsTests {
    /// 2026-11-02 00:00 UTC, a Monday.
    static let day0 = Double(try! CalendarDate(parsing: "2026-11-02").daysSince1970) * 86_400

    /// Moves at `minutes` after day0: (to, minute, by).
    static func timeline(
        _ number: String, status: OrderStatus, neededBy: String? = nil, _ moves: [(OrderStatus, Int, String)]
    ) -> OrderTimeline {
        var previous: OrderStatus?
        let built = moves.enumerated().map { index, move in
            defer { previous = move.0 }
            return OrderTimeline.Move(
                from: previous, to: move.0, by: move.2, atSeconds: day0 + Double(move.1) * 60,
                tieBreak: String(1000 + index))
        }
        return OrderTimeline(
            orderID: "id-" + number, orderNumber: number, status: status,
            neededBy: neededBy.map { try! CalendarDate(parsing: $0) }, moves: built)
    }

    struct OrderCase: CustomTestStringConvertible, Sendable {
        var name: String
        var timeline: OrderTimeline
        var minutes: [FulfilmentStage: Int]
        var total: Int?
        var score: Double?
        var bottleneck: FulfilmentStage?
        var testDescription: String { name }
    }

    static let orderCases: [OrderCase] = [
        OrderCase(
            name: "whole flow within targets",
            timeline: timeline(
                "A", status: .shipped,
                [
                    (.pendingPayment, 0, "ana"), (.paymentConfirmed, 10, "ana"), (.processing, 70, "ana"),
                    (.inProduction, 130, "tom"), (.qualityCheck, 1130, "tom"), (.packaging, 1200, "ana"),
                    (.shipped, 1300, "ana"),
                ]),
            minutes: [
                .paymentToProcessing: 60, .processingToProduction: 60, .productionToQuality: 1000,
                .qualityToShipping: 170,
            ],
            // 60/240 is the furthest towards its target.
            total: 1290, score: 100, bottleneck: .paymentToProcessing),
        OrderCase(
            name: "production twice its target is the bottleneck",
            timeline: timeline(
                "B", status: .qualityCheck,
                [
                    (.paymentConfirmed, 0, "ana"), (.processing, 240, "ana"), (.inProduction, 300, "tom"),
                    (.qualityCheck, 300 + 8640, "tom"),
                ]),
            minutes: [.paymentToProcessing: 240, .processingToProduction: 60, .productionToQuality: 8640],
            // targets 240 + 1440 + 4320 = 6000 over allowed 240 + 1440 + 8640 = 10320
            total: nil, score: 58.14, bottleneck: .productionToQuality),
        OrderCase(
            name: "a skipped stage is not measured and does not stretch its neighbours",
            timeline: timeline(
                "C", status: .shipped,
                [
                    (.paymentConfirmed, 0, "ana"), (.inProduction, 600, "tom"), (.qualityCheck, 1000, "tom"),
                    (.shipped, 4000, "ana"),
                ]),
            minutes: [.productionToQuality: 400, .qualityToShipping: 3000],
            // 1440 + 4320 over 3000 + 4320
            total: 4000, score: 78.69, bottleneck: .qualityToShipping),
        OrderCase(
            name: "rework counts from the first time a milestone was reached",
            timeline: timeline(
                "D", status: .packaging,
                [
                    (.paymentConfirmed, 0, "ana"), (.processing, 10, "ana"), (.inProduction, 20, "tom"),
                    (.qualityCheck, 100, "tom"), (.inProduction, 110, "tom"), (.qualityCheck, 300, "tom"),
                    (.packaging, 400, "ana"),
                ]),
            minutes: [.paymentToProcessing: 10, .processingToProduction: 10, .productionToQuality: 80],
            total: nil, score: 100, bottleneck: .paymentToProcessing),
        OrderCase(
            name: "a new order has nothing measured",
            timeline: timeline("E", status: .pendingPayment, [(.pendingPayment, 0, "ana")]),
            minutes: [:], total: nil, score: nil, bottleneck: nil),
    ]

    @Test(arguments: orderCases)
    func perOrder(_ test: OrderCase) {
        let analytics = OrderAnalytics(test.timeline)
        #expect(analytics.minutes == test.minutes)
        #expect(analytics.totalFulfilmentMinutes == test.total)
        #expect(analytics.efficiencyScore == test.score)
        #expect(analytics.bottleneck == test.bottleneck)
    }

    /// History synced in any order gives the same analytics: every rotation and the reverse.
    @Test(arguments: orderCases)
    func arrivalOrderDoesNotMatter(_ test: OrderCase) {
        let expected = OrderAnalytics(test.timeline)
        let moves = test.timeline.moves
        var orders = (0..<moves.count).map { Array(moves[$0...] + moves[..<$0]) }
        orders.append(moves.reversed())
        for shuffled in orders {
            var timeline = test.timeline
            timeline.moves = shuffled
            #expect(OrderAnalytics(timeline) == expected)
        }
    }

    /// Moves in the same millisecond are ordered by their tie-break (HLC stamp), not by arrival.
    @Test func sameMillisecondMovesSortByTieBreak() {
        let at = Self.day0
        let early = OrderTimeline.Move(from: nil, to: .paymentConfirmed, by: "a", atSeconds: at, tieBreak: "1")
        let late = OrderTimeline.Move(from: nil, to: .paymentConfirmed, by: "b", atSeconds: at, tieBreak: "2")
        let one = OrderTimeline(
            orderID: "x", orderNumber: "X", status: .paymentConfirmed, neededBy: nil, moves: [late, early])
        #expect(one.sortedMoves.map(\.by) == ["a", "b"])
    }

    @Test(arguments: [
        ([Int](), 50, Int?.none), ([7], 50, 7), ([7], 90, 7), ([1, 2], 50, 1), ([1, 2, 3], 50, 2),
        ([1, 2, 3, 4], 50, 2), (Array(1...10), 90, 9), (Array(1...10), 50, 5), (Array(1...11), 90, 10),
    ])
    func nearestRankPercentile(values: [Int], percent: Int, expected: Int?) {
        #expect(PeriodAnalytics.percentile(values, percent) == expected)
    }

    /// Over counts per value it is the percentile of the values spelled out.
    @Test func nearestRankPercentileOfCountsEqualsThatOfTheValues() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let counts = Set((0..<Int.random(in: 0...8, using: &generator)).map { _ in Int.random(in: 0...50) })
                .sorted().map { (value: $0, count: Int.random(in: 1...5, using: &generator)) }
            let values = counts.flatMap { repeatElement($0.value, count: $0.count) }
            for percent in [1, 50, 90, 99, 100] {
                #expect(PeriodAnalytics.percentile(counts, percent) == PeriodAnalytics.percentile(values, percent))
            }
        }
    }

    @Test func periodFiguresAndArrivalIndependence() {
        // Orders ready on time, late, still open and overdue, and one outside the period.
        let timelines = [
            Self.timeline(
                "A", status: .shipped, neededBy: "2026-11-03",
                [(.paymentConfirmed, 0, "ana"), (.processing, 60, "ana"), (.shipped, 1500, "tom")]),
            Self.timeline(
                "B", status: .delivered, neededBy: "2026-11-02",
                [
                    (.paymentConfirmed, 0, "ana"), (.processing, 120, "tom"), (.inProduction, 180, "tom"),
                    (.qualityCheck, 200, "tom"), (.shipped, 1500, "tom"), (.delivered, 3000, "tom"),
                ]),
            Self.timeline(
                "C", status: .inProduction, neededBy: "2026-11-04",
                [(.paymentConfirmed, 0, "ana"), (.processing, 30, "ana"), (.inProduction, 40, "ana")]),
            Self.timeline(
                "OLD", status: .completed, neededBy: "2026-10-01",
                [(.paymentConfirmed, -20_000, "old"), (.processing, -19_990, "old")]),
        ]
        let now = Self.day0 + 5 * 86_400
        let since = try! CalendarDate(parsing: "2026-11-02")
        let period = PeriodAnalytics(timelines, since: since, nowSeconds: now)
        let paymentToProcessing = period.stages.first { $0.stage == .paymentToProcessing }!
        #expect(paymentToProcessing.count == 3) // 60, 120, 30 (OLD ended before the period)
        #expect(paymentToProcessing.medianMinutes == 60)
        #expect(paymentToProcessing.p90Minutes == 120)
        #expect(period.stages.first { $0.stage == .qualityToShipping }!.medianMinutes == 1300)
        // Medians over targets: 60/240, 60/1440, 20/4320, 1300/1440.
        #expect(period.bottleneck == .qualityToShipping)
        #expect(period.serviceLevel.due == 2)
        #expect(period.serviceLevel.onTime == 1) // A by 11-03; B shipped on 11-03, needed 11-02
        #expect(period.serviceLevel.compliancePercent == 50)
        #expect(period.serviceLevel.overdueOpen == ["C"] && period.serviceLevel.overdueOpenCount == 1)
        #expect(period.staff.map(\.person) == ["tom", "ana"])
        #expect(period.staff.map(\.moves) == [6, 3])
        #expect(period.days.map(\.day.description) == ["2026-11-02", "2026-11-03", "2026-11-04"])
        #expect(period.days.map(\.ordersShipped) == [0, 2, 0])
        #expect(period.orders.map(\.orderNumber) == ["A", "B", "C"])

        // The list cut to a limit keeps the count of every overdue order.
        let unlisted = PeriodAnalytics(timelines, since: since, nowSeconds: now, overdueLimit: 0).serviceLevel
        #expect(unlisted.overdueOpen.isEmpty && unlisted.overdueOpenCount == 1)

        let everything = PeriodAnalytics(timelines, since: nil, nowSeconds: now)
        #expect(everything.stages.first { $0.stage == .paymentToProcessing }!.count == 4)

        // The same set in another order, each with its moves reversed: the same figures.
        let shuffled = timelines.reversed().map { timeline in
            var reversed = timeline
            reversed.moves.reverse()
            return reversed
        }
        #expect(PeriodAnalytics(shuffled, since: since, nowSeconds: now) == period)
    }
}
