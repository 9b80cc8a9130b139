/// The queue without scoring every open order.
///
/// A score is `base(priority) + ageBonus(created) + deadlineBonus(needed_by, today)`, and the
/// deadline bonus depends only on which class `needed_by` falls in today: overdue, one of the 15
/// days of the window, or none (no date, or a later one). Within one priority and one such class
/// the bonus is a constant, so the score only falls as `created_at` rises, and the queue's own
/// order (score, then oldest first, then order number) is simply oldest first. A `QueueSegment` is
/// one such class: 8 priorities × 17 classes.
///
/// So the first N orders of the queue are among the first N of each segment, read oldest first
/// from an index: an order of the queue's top N has fewer than N orders above it anywhere, hence
/// fewer than N above it in its own segment. `QueueTop` merges them and says when to stop: a
/// segment is read while its next order could still enter the top N, and segments are visited by
/// their highest possible score, so reading stops at the first whose best cannot. That costs the
/// same at 100 open orders as at a million, and stays correct as the day and the hour change:
/// the segments are recomputed from `now` on every call and nothing stored depends on it.
package struct QueueSegment: Hashable, Sendable {
    /// Which orders of the priority the segment holds, by their `needed_by` day.
    package enum Deadline: Hashable, Sendable {
        /// `needed_by` before this day (today): the overdue bonus.
        case before(CalendarDate)
        /// `needed_by` on this day, within the window.
        case on(CalendarDate)
        /// No `needed_by`, or one after this day (the last of the window): no bonus.
        case noneOrAfter(CalendarDate)
    }

    package var priority: OrderPriority
    package var deadline: Deadline
    /// The deadline bonus every order of the segment has today.
    package var deadlineBonus: Int

    /// No order of the segment scores more: the oldest possible one.
    package var highestScore: Int { PriorityScore.base(priority) + PriorityScore.maximumAgeBonus + deadlineBonus }

    /// The score of an order of this segment.
    package func score(createdAtSeconds: Double, nowSeconds: Double) -> Int {
        PriorityScore.base(priority)
            + PriorityScore.ageBonus(createdAtSeconds: createdAtSeconds, nowSeconds: nowSeconds)
            + deadlineBonus
    }
}

extension PriorityScore {
    /// The segments that partition the open orders of these priorities at `nowSeconds`.
    package static func segments(
        nowSeconds: Double, priorities: [OrderPriority] = OrderPriority.allCases
    ) -> [QueueSegment] {
        let today = CalendarDate(utcDayOf: nowSeconds)
        let windowDays = (0...deadlineWindowDays).map {
            CalendarDate(utcDayOf: Double(today.daysSince1970 + $0) * 86_400)
        }
        let lastDay = windowDays[windowDays.count - 1]
        var segments: [QueueSegment] = []
        segments.reserveCapacity(priorities.count * (windowDays.count + 2))
        for priority in priorities {
            segments.append(QueueSegment(priority: priority, deadline: .before(today), deadlineBonus: overdueBonus))
            for day in windowDays {
                let bonus = deadlineBonus(neededBy: day, nowSeconds: nowSeconds)
                segments.append(QueueSegment(priority: priority, deadline: .on(day), deadlineBonus: bonus))
            }
            segments.append(QueueSegment(priority: priority, deadline: .noneOrAfter(lastDay), deadlineBonus: 0))
        }
        return segments
    }

    /// The queue's order: higher score first, then older, then by order number. `true` when `a`
    /// comes before `b`.
    package static func ranksBefore(
        _ a: (score: Int, createdAt: String, orderNumber: String),
        _ b: (score: Int, createdAt: String, orderNumber: String)
    ) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return a.orderNumber < b.orderNumber
    }
}

/// One order as the queue ranks it.
package struct QueueRank<ID: Sendable>: Sendable {
    package var score: Int
    package var createdAt: String
    package var orderNumber: String
    package var id: ID

    package init(score: Int, createdAt: String, orderNumber: String, id: ID) {
        self.score = score
        self.createdAt = createdAt
        self.orderNumber = orderNumber
        self.id = id
    }

    /// The queue's order: higher score first, then older, then by order number.
    package func ranksBefore(_ other: QueueRank) -> Bool {
        PriorityScore.ranksBefore((score, createdAt, orderNumber), (other.score, other.createdAt, other.orderNumber))
    }
}

/// The best `limit` orders offered so far, in the queue's order.
package struct QueueTop<ID: Sendable>: Sendable {
    package let limit: Int
    package private(set) var ranks: [QueueRank<ID>] = []

    package init(limit: Int) { self.limit = max(0, limit) }

    /// Whether an order scoring `score` could still enter, whatever its age and number: false
    /// once full with a last entry that scores more.
    package func mayAdmit(score: Int) -> Bool { ranks.count < limit || score >= ranks[ranks.count - 1].score }

    /// Keeps `rank` if it is among the best `limit`. Returns false when it is not: then no order
    /// ranked after it can be either.
    @discardableResult
    package mutating func offer(_ rank: QueueRank<ID>) -> Bool {
        if ranks.count == limit {
            guard limit > 0, rank.ranksBefore(ranks[ranks.count - 1]) else { return false }
            ranks.removeLast()
        }
        let index = ranks.firstIndex { rank.ranksBefore($0) } ?? ranks.count
        ranks.insert(rank, at: index)
        return true
    }
}
