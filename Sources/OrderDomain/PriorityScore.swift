/// The score that orders the priority queue: higher is served first. A deterministic integer
/// function of the priority level, the order's age and an optional `needed_by` date, all at a
/// given `now` (documented in `protocol/ORDER-LIFECYCLE.md`):
///
///     score = base(priority) + age bonus + deadline bonus
///
/// - base: low 100, normal 200, high 300, prom_group 350, wedding_party 400, vip_customer 450,
///   urgent 500, rush 600.
/// - age bonus: 2 points per full hour since the order was created, at most 336 (one week), so a
///   low-priority order waiting a week overtakes fresh high-priority ones instead of starving.
/// - deadline bonus, with d = days from today (UTC) to `needed_by`: overdue (d < 0) 700;
///   d ≤ 14: (15 − d) × 40, i.e. 600 on the day, 40 two weeks ahead; later dates 0.
///
/// Ties are broken by the queue (older first, then order number), not here.
package enum PriorityScore {
    package static func base(_ priority: OrderPriority) -> Int {
        switch priority {
        case .low: 100
        case .normal: 200
        case .high: 300
        case .promGroup: 350
        case .weddingParty: 400
        case .vipCustomer: 450
        case .urgent: 500
        case .rush: 600
        }
    }

    package static let pointsPerHour = 2
    package static let maximumAgeBonus = 336
    package static let overdueBonus = 700
    package static let deadlineWindowDays = 14
    package static let pointsPerDayCloser = 40

    package static func ageBonus(createdAtSeconds: Double, nowSeconds: Double) -> Int {
        let hours = Int(max(0, nowSeconds - createdAtSeconds) / 3600)
        return min(maximumAgeBonus, hours * pointsPerHour)
    }

    package static func deadlineBonus(neededBy: CalendarDate?, nowSeconds: Double) -> Int {
        guard let neededBy else { return 0 }
        let daysLeft = neededBy.daysSince1970 - CalendarDate(utcDayOf: nowSeconds).daysSince1970
        if daysLeft < 0 { return overdueBonus }
        if daysLeft <= deadlineWindowDays { return (deadlineWindowDays + 1 - daysLeft) * pointsPerDayCloser }
        return 0
    }

    /// The three terms of a score, so a screen can say why an order is where it is.
    package struct Parts: Hashable, Sendable {
        package var priority: Int
        package var age: Int
        package var neededBy: Int

        package var total: Int { priority + age + neededBy }
    }

    /// Times are seconds since 1970 (UTC).
    package static func parts(
        priority: OrderPriority, createdAtSeconds: Double, neededBy: CalendarDate?, nowSeconds: Double
    ) -> Parts {
        Parts(
            priority: base(priority), age: ageBonus(createdAtSeconds: createdAtSeconds, nowSeconds: nowSeconds),
            neededBy: deadlineBonus(neededBy: neededBy, nowSeconds: nowSeconds))
    }

    /// Times are seconds since 1970 (UTC).
    package static func score(
        priority: OrderPriority, createdAtSeconds: Double, neededBy: CalendarDate?, nowSeconds: Double
    ) -> Int {
        parts(priority: priority, createdAtSeconds: createdAtSeconds, neededBy: neededBy, nowSeconds: nowSeconds).total
    }
}

extension PriorityScore {
    /// The queue a priority belongs to (seed column `queue_type`): group orders with event dates,
    /// expedited work, VIP service, or the standard line.
    package static func queueType(_ priority: OrderPriority) -> String {
        switch priority {
        case .weddingParty, .promGroup: "group_event"
        case .rush, .urgent: "expedited"
        case .vipCustomer: "vip"
        case .low, .normal, .high: "standard"
        }
    }
}
