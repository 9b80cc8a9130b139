/// What one order adds to the processing analytics of any period, each fact on the UTC day it
/// happened: a period's figures are the sums of the facts whose day is in the period (a fact at
/// a moment is in a period from day D exactly when its UTC day is D or later). Keeping these per
/// order lets a replica keep per-day totals up to date as orders change, instead of reading
/// every order's history per call; `PeriodAnalytics` sums them the same way either way.
package struct AnalyticsContribution: Hashable, Sendable {
    /// A measured stage, on the day it ended.
    package struct StageEnd: Hashable, Sendable {
        package var stage: FulfilmentStage
        package var day: CalendarDate
        package var minutes: Int

        package init(stage: FulfilmentStage, day: CalendarDate, minutes: Int) {
            self.stage = stage
            self.day = day
            self.minutes = minutes
        }
    }

    /// Forward moves by one person on one day, and how many of them first shipped an order.
    package struct Work: Hashable, Sendable {
        package var day: CalendarDate
        package var person: String
        package var moves: Int
        package var ordersShipped: Int

        package init(day: CalendarDate, person: String, moves: Int, ordersShipped: Int) {
            self.day = day
            self.person = person
            self.moves = moves
            self.ordersShipped = ordersShipped
        }
    }

    package var stageEnds: [StageEnd]
    /// The day an order with a needed-by date became ready, and whether that was in time (SLA).
    package var readyDay: CalendarDate?
    package var readyOnTime: Bool?
    /// Whether the order has been ready at all (an open order past its day is overdue only if not).
    package var isReady: Bool
    /// Sorted by day, then person.
    package var work: [Work]

    package init(stageEnds: [StageEnd], readyDay: CalendarDate?, readyOnTime: Bool?, isReady: Bool, work: [Work]) {
        self.stageEnds = stageEnds
        self.readyDay = readyDay
        self.readyOnTime = readyOnTime
        self.isReady = isReady
        self.work = work
    }

    package init(_ timeline: OrderTimeline) {
        self.init(timeline, analytics: OrderAnalytics(timeline))
    }

    init(_ timeline: OrderTimeline, analytics: OrderAnalytics) {
        let moves = timeline.sortedMoves
        var reached: [OrderStatus: Double] = [:]
        for move in moves where reached[move.to] == nil { reached[move.to] = move.atSeconds }
        stageEnds = FulfilmentStage.allCases.compactMap { stage in
            guard let minutes = analytics.minutes[stage], let end = reached[stage.end] else { return nil }
            return StageEnd(stage: stage, day: CalendarDate(utcDayOf: end), minutes: minutes)
        }
        isReady = analytics.readyAtSeconds != nil
        if let ready = analytics.readyAtSeconds, let onTime = analytics.readyOnTime {
            readyDay = CalendarDate(utcDayOf: ready)
            readyOnTime = onTime
        }
        var work: [WorkKey: (moves: Int, shipped: Int)] = [:]
        for move in moves where PeriodAnalytics.isForward(move) {
            let key = WorkKey(day: CalendarDate(utcDayOf: move.atSeconds), person: move.by)
            work[key, default: (0, 0)].moves += 1
            if move.to == .shipped, reached[.shipped] == move.atSeconds { work[key]!.shipped += 1 }
        }
        self.work = work.map {
            Work(day: $0.key.day, person: $0.key.person, moves: $0.value.moves, ordersShipped: $0.value.shipped)
        }
        .sorted { ($0.day, $0.person) < ($1.day, $1.person) }
    }

    private struct WorkKey: Hashable {
        var day: CalendarDate
        var person: String
    }
}

/// The sums of contributions over a period (each fact counted when its day is in the period):
/// what `PeriodAnalytics` needs besides the overdue orders and the per-order rows.
package struct PeriodTotals: Hashable, Sendable {
    /// Per stage: minutes → how many orders took that long.
    package var stageMinutes: [FulfilmentStage: [Int: Int]] = [:]
    package var due = 0
    package var onTime = 0
    package var staffMoves: [String: Int] = [:]
    package var dayMoves: [CalendarDate: Int] = [:]
    package var dayShipped: [CalendarDate: Int] = [:]

    package init() {}

    /// Adds the contribution's facts from `since` on (nil: all).
    package mutating func add(_ contribution: AnalyticsContribution, since: CalendarDate?) {
        func inPeriod(_ day: CalendarDate) -> Bool { since.map { day >= $0 } ?? true }
        for end in contribution.stageEnds where inPeriod(end.day) { add(stage: end.stage, minutes: end.minutes) }
        if let day = contribution.readyDay, inPeriod(day), let onTimeHere = contribution.readyOnTime {
            due += 1
            if onTimeHere { onTime += 1 }
        }
        for work in contribution.work where inPeriod(work.day) { add(work) }
    }

    /// Adds `orders` orders whose `stage` took `minutes`.
    package mutating func add(stage: FulfilmentStage, minutes: Int, orders: Int = 1) {
        stageMinutes[stage, default: [:]][minutes, default: 0] += orders
    }

    /// Adds one person's forward moves of one day.
    package mutating func add(_ work: AnalyticsContribution.Work) {
        staffMoves[work.person, default: 0] += work.moves
        dayMoves[work.day, default: 0] += work.moves
        dayShipped[work.day, default: 0] += work.ordersShipped
    }
}
