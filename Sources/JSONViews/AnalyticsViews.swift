import Foundation
import OrderDomain

/// Processing analytics as `kct stats --analytics --json` prints it and `GET /api/analytics`
/// serves it. Minutes are whole minutes; a stage an order has not been through is null. The
/// per-order rows (`orders`, one per order with a move in the period: thousands on a busy
/// replica) are there only when asked for.
package struct AnalyticsJSON: Encodable {
    package let analytics: PeriodAnalytics
    package let includeOrders: Bool

    package init(_ analytics: PeriodAnalytics, includeOrders: Bool) {
        self.analytics = analytics
        self.includeOrders = includeOrders
    }

    struct Stage: Encodable {
        let stage: String
        let count: Int
        let medianMinutes: Int?
        let p90Minutes: Int?
        let targetMinutes: Int

        enum CodingKeys: String, CodingKey {
            case stage, count, medianMinutes = "median_minutes", p90Minutes = "p90_minutes"
            case targetMinutes = "target_minutes"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(stage, forKey: .stage)
            try container.encode(count, forKey: .count)
            try container.encode(medianMinutes, forKey: .medianMinutes)
            try container.encode(p90Minutes, forKey: .p90Minutes)
            try container.encode(targetMinutes, forKey: .targetMinutes)
        }
    }

    struct ServiceLevel: Encodable {
        let due: Int
        let onTime: Int
        let late: Int
        let compliancePercent: Double?
        let overdueOpen: Int
        /// The most overdue first, as many as were asked for.
        let overdueOpenOrders: [String]

        enum CodingKeys: String, CodingKey {
            case due, onTime = "on_time", late, compliancePercent = "compliance_percent"
            case overdueOpen = "overdue_open", overdueOpenOrders = "overdue_open_orders"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(due, forKey: .due)
            try container.encode(onTime, forKey: .onTime)
            try container.encode(late, forKey: .late)
            try container.encode(compliancePercent, forKey: .compliancePercent)
            try container.encode(overdueOpen, forKey: .overdueOpen)
            try container.encode(overdueOpenOrders, forKey: .overdueOpenOrders)
        }
    }

    struct Staff: Encodable {
        let person: String
        let moves: Int
    }

    struct Day: Encodable {
        let day: String
        let moves: Int
        let ordersShipped: Int

        enum CodingKeys: String, CodingKey { case day, moves, ordersShipped = "orders_shipped" }
    }

    enum CodingKeys: String, CodingKey {
        case since, stages, bottleneckStage = "bottleneck_stage", sla, throughputByStaff = "throughput_by_staff"
        case throughputByDay = "throughput_by_day", orders
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(analytics.since?.description, forKey: .since)
        try container.encode(
            analytics.stages.map {
                Stage(
                    stage: $0.stage.rawValue, count: $0.count, medianMinutes: $0.medianMinutes,
                    p90Minutes: $0.p90Minutes, targetMinutes: $0.stage.targetMinutes)
            }, forKey: .stages)
        try container.encode(analytics.bottleneck?.rawValue, forKey: .bottleneckStage)
        let level = analytics.serviceLevel
        try container.encode(
            ServiceLevel(
                due: level.due, onTime: level.onTime, late: level.late, compliancePercent: level.compliancePercent,
                overdueOpen: level.overdueOpenCount, overdueOpenOrders: level.overdueOpen), forKey: .sla)
        try container.encode(
            analytics.staff.map { Staff(person: $0.person, moves: $0.moves) }, forKey: .throughputByStaff)
        try container.encode(
            analytics.days.map { Day(day: $0.day.description, moves: $0.moves, ordersShipped: $0.ordersShipped) },
            forKey: .throughputByDay)
        if includeOrders { try container.encode(analytics.orders.map(OrderAnalyticsJSON.init), forKey: .orders) }
    }
}

/// One order's row of the seed's `processing_analytics`.
package struct OrderAnalyticsJSON: Encodable {
    package let analytics: OrderAnalytics

    package init(_ analytics: OrderAnalytics) { self.analytics = analytics }

    /// The columns, in order: also the header of `kct report orders`.
    package static let columns = [
        "order_id", "order_number", "status", "payment_to_processing_minutes", "processing_to_production_minutes",
        "production_to_quality_minutes", "quality_to_shipping_minutes", "total_fulfillment_minutes",
        "processing_efficiency_score", "bottleneck_stage", "needed_by", "ready_at", "ready_on_time",
    ]

    /// The row's values by column, as text for CSV ("" for none) or JSON values.
    package var values: [String: Any?] {
        let a = analytics
        return [
            "order_id": a.orderID, "order_number": a.orderNumber, "status": a.status.rawValue,
            "payment_to_processing_minutes": a.minutes[.paymentToProcessing],
            "processing_to_production_minutes": a.minutes[.processingToProduction],
            "production_to_quality_minutes": a.minutes[.productionToQuality],
            "quality_to_shipping_minutes": a.minutes[.qualityToShipping],
            "total_fulfillment_minutes": a.totalFulfilmentMinutes,
            "processing_efficiency_score": a.efficiencyScore, "bottleneck_stage": a.bottleneck?.rawValue,
            "needed_by": a.neededBy?.description, "ready_at": a.readyAtSeconds.map(Self.timestamp),
            "ready_on_time": a.readyOnTime,
        ]
    }

    /// `2026-11-25T14:15:00Z` (analytics works in whole seconds and minutes).
    static func timestamp(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds.rounded(.down))
        return date.formatted(.iso8601)
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        let values = values
        for column in Self.columns {
            let key = Key(stringValue: column)
            switch values[column] ?? nil {
            case let value as String: try container.encode(value, forKey: key)
            case let value as Int: try container.encode(value, forKey: key)
            case let value as Double: try container.encode(value, forKey: key)
            case let value as Bool: try container.encode(value, forKey: key)
            default: try container.encodeNil(forKey: key)
            }
        }
    }
}
