/// Processing analytics over a period (`kct stats --analytics --since DATE`):
///
/// - Per stage: the minutes of every stage that *ended* in the period, their count, median and
///   90th percentile (nearest rank: the value at position ⌈p·n⌉ of the sorted minutes).
/// - Bottleneck: the stage whose median is furthest over its target (ties: the earlier stage).
/// - SLA: of the orders with a needed-by date that became ready (shipped) in the period, how many
///   were ready by the end of that day (UTC), and the compliance rate in percent; plus the open
///   orders (not terminal, not ready) whose needed-by day is before today: how many, and the
///   most overdue of them (a dashboard shows a few; a replica holds thousands).
/// - Throughput: forward moves (`processing` … `completed`) made in the period, per member of
///   staff and per UTC day, with the orders shipped each day.
///
/// Everything is a function of the set of timelines: their order, and the order of each
/// timeline's moves, do not matter.
package struct PeriodAnalytics: Hashable, Sendable {
    package struct StageSummary: Hashable, Sendable {
        package var stage: FulfilmentStage
        package var count: Int
        package var medianMinutes: Int?
        package var p90Minutes: Int?
    }

    package struct ServiceLevel: Hashable, Sendable {
        /// Orders with a needed-by date that became ready in the period.
        package var due: Int
        package var onTime: Int
        package var late: Int { due - onTime }
        /// onTime ÷ due in percent, two decimals; nil when nothing was due.
        package var compliancePercent: Double?
        /// Open orders past their needed-by day.
        package var overdueOpenCount: Int
        /// Order numbers of the most overdue of them (needed-by day, then order number), at most
        /// the limit asked for.
        package var overdueOpen: [String]

        /// How many overdue order numbers a period's figures carry unless asked for another number.
        package static let overdueListLimit = 50
    }

    package struct StaffThroughput: Hashable, Sendable {
        package var person: String
        package var moves: Int
    }

    package struct DayThroughput: Hashable, Sendable {
        package var day: CalendarDate
        package var moves: Int
        package var ordersShipped: Int
    }

    package var since: CalendarDate?
    /// One per stage, in flow order.
    package var stages: [StageSummary]
    package var bottleneck: FulfilmentStage?
    package var serviceLevel: ServiceLevel
    /// Most moves first, then by person.
    package var staff: [StaffThroughput]
    /// By day, oldest first.
    package var days: [DayThroughput]
    /// Orders with a move in the period, by order number (only when asked for: a replica computes
    /// the rest from per-day totals, these from the period's histories).
    package var orders: [OrderAnalytics]

    /// `since` nil: all history. `nowSeconds` decides which open orders are overdue; the first
    /// `overdueLimit` of them are listed.
    package init(
        _ timelines: [OrderTimeline], since: CalendarDate?, nowSeconds: Double,
        overdueLimit: Int = ServiceLevel.overdueListLimit
    ) {
        let start = Double(since?.daysSince1970 ?? Int.min / 2) * 86_400
        let today = CalendarDate(utcDayOf: nowSeconds)
        var totals = PeriodTotals()
        var overdue: [(CalendarDate, String)] = []
        var orders: [OrderAnalytics] = []
        for timeline in timelines {
            let analytics = OrderAnalytics(timeline)
            totals.add(AnalyticsContribution(timeline, analytics: analytics), since: since)
            if let neededBy = timeline.neededBy, neededBy < today, !timeline.status.isTerminal,
                analytics.readyAtSeconds == nil
            {
                overdue.append((neededBy, timeline.orderNumber))
            }
            if timeline.moves.contains(where: { $0.atSeconds >= start }) { orders.append(analytics) }
        }
        self.init(
            since: since, totals: totals, overdueOpenCount: overdue.count, overdueOpen: overdue,
            overdueLimit: overdueLimit, orders: orders)
    }

    /// From the period's totals, how many open orders are past their needed-by day, at least the
    /// first `overdueLimit` of them in the list's order (`(day, order number)`, in any order
    /// here) and the per-order rows wanted (any order; empty when not asked for).
    package init(
        since: CalendarDate?, totals: PeriodTotals, overdueOpenCount: Int, overdueOpen: [(CalendarDate, String)],
        overdueLimit: Int, orders: [OrderAnalytics]
    ) {
        self.since = since
        stages = FulfilmentStage.allCases.map { stage in
            let counts = (totals.stageMinutes[stage] ?? [:]).sorted { $0.key < $1.key }
                .map { (value: $0.key, count: $0.value) }
            return StageSummary(
                stage: stage, count: counts.reduce(0) { $0 + $1.count }, medianMinutes: Self.percentile(counts, 50),
                p90Minutes: Self.percentile(counts, 90))
        }
        bottleneck = OrderAnalytics.bottleneck(
            stages.compactMap { summary in summary.medianMinutes.map { (summary.stage, $0) } })
        let due = totals.due, onTime = totals.onTime
        serviceLevel = ServiceLevel(
            due: due, onTime: onTime,
            compliancePercent: due == 0 ? nil : OrderAnalytics.hundredths(100 * Double(onTime) / Double(due)),
            overdueOpenCount: overdueOpenCount,
            overdueOpen: overdueOpen.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(max(0, overdueLimit)).map(\.1))
        staff = totals.staffMoves.map { StaffThroughput(person: $0.key, moves: $0.value) }
            .sorted { ($1.moves, $0.person) < ($0.moves, $1.person) }
        days = totals.dayMoves.map {
            DayThroughput(day: $0.key, moves: $0.value, ordersShipped: totals.dayShipped[$0.key] ?? 0)
        }
        .sorted { $0.day < $1.day }
        self.orders = orders.sorted { ($0.orderNumber, $0.orderID) < ($1.orderNumber, $1.orderID) }
    }

    /// Nearest rank: the value at position ⌈p·n/100⌉ (1-based) of `sorted`; nil when empty.
    package static func percentile(_ sorted: [Int], _ percent: Int) -> Int? {
        percentile(sorted.map { (value: $0, count: 1) }, percent)
    }

    /// The same over `counts` (how many times each value occurs, by value ascending), without
    /// spelling out every value: a period's stages can hold a hundred thousand minutes.
    package static func percentile(_ counts: [(value: Int, count: Int)], _ percent: Int) -> Int? {
        let total = counts.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = max(1, (percent * total + 99) / 100)
        var seen = 0
        return counts.first { entry in
            seen += entry.count
            return seen >= rank
        }?.value
    }

    /// A move along the flow after payment (processing … completed), i.e. work done.
    static func isForward(_ move: OrderTimeline.Move) -> Bool {
        guard let index = move.to.flowIndex, index > OrderStatus.forwardFlow.firstIndex(of: .paymentConfirmed)! else {
            return false
        }
        // A resume from on hold or exception is not new work.
        return !(move.from?.isSuspension ?? false)
    }
}
