/// Processing analytics (the seed's `processing_analytics`): how long orders spend between the
/// milestones of fulfilment, computed from status history only.
///
/// - A milestone is the first time the history shows the order reaching a status:
///   `payment_confirmed`, `processing`, `in_production`, `quality_check`, `shipped`. History is
///   sorted by time, then by a tie-break key (the entry's HLC stamp), so the order in which
///   synced entries arrived never changes a result.
/// - A stage's minutes run from its start milestone to its end milestone (whole minutes, never
///   negative); time on hold or in exception counts towards the stage it interrupted. A stage
///   whose start or end is missing (an order not that far yet, or history that skips it) has
///   no duration, and the stages around it are not stretched to cover it.
/// - Total fulfilment: payment confirmed → shipped.
/// - Efficiency score (0–100, two decimals): 100 × Σ target ÷ Σ max(minutes, target) over the
///   measured stages, so an order within every target scores 100 and each minute over a target
///   lowers it. Nil when no stage is measured.
/// - Bottleneck stage: the measured stage furthest over its target (minutes ÷ target; ties go
///   to the earlier stage).
package enum FulfilmentStage: String, CaseIterable, Hashable, Sendable, Comparable {
    case paymentToProcessing = "payment_to_processing"
    case processingToProduction = "processing_to_production"
    case productionToQuality = "production_to_quality"
    case qualityToShipping = "quality_to_shipping"

    package var start: OrderStatus {
        switch self {
        case .paymentToProcessing: .paymentConfirmed
        case .processingToProduction: .processing
        case .productionToQuality: .inProduction
        case .qualityToShipping: .qualityCheck
        }
    }

    package var end: OrderStatus {
        switch self {
        case .paymentToProcessing: .processing
        case .processingToProduction: .inProduction
        case .productionToQuality: .qualityCheck
        case .qualityToShipping: .shipped
        }
    }

    /// The shop's target for the stage, in minutes: 4 hours from payment to processing, a day to
    /// start production, three days of production, a day from quality check to shipping.
    package var targetMinutes: Int {
        switch self {
        case .paymentToProcessing: 240
        case .processingToProduction: 1440
        case .productionToQuality: 4320
        case .qualityToShipping: 1440
        }
    }

    package static func < (lhs: FulfilmentStage, rhs: FulfilmentStage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One order's status history as analytics reads it.
package struct OrderTimeline: Hashable, Sendable {
    /// One status history entry.
    package struct Move: Hashable, Sendable {
        package var from: OrderStatus?
        package var to: OrderStatus
        /// Who made the move (`changed_by`).
        package var by: String
        /// When, in seconds since 1970 (UTC).
        package var atSeconds: Double
        /// Orders moves made in the same millisecond (the entry's HLC stamp and id).
        package var tieBreak: String

        package init(from: OrderStatus?, to: OrderStatus, by: String, atSeconds: Double, tieBreak: String) {
            self.from = from
            self.to = to
            self.by = by
            self.atSeconds = atSeconds
            self.tieBreak = tieBreak
        }
    }

    package var orderID: String
    package var orderNumber: String
    package var status: OrderStatus
    package var neededBy: CalendarDate?
    /// In any order: analytics sorts them.
    package var moves: [Move]

    package init(orderID: String, orderNumber: String, status: OrderStatus, neededBy: CalendarDate?, moves: [Move]) {
        self.orderID = orderID
        self.orderNumber = orderNumber
        self.status = status
        self.neededBy = neededBy
        self.moves = moves
    }

    /// The moves in time order, ties broken by `tieBreak`: the same whatever order they came in.
    package var sortedMoves: [Move] {
        moves.sorted { ($0.atSeconds, $0.tieBreak) < ($1.atSeconds, $1.tieBreak) }
    }
}

/// The analytics of one order.
package struct OrderAnalytics: Hashable, Sendable {
    package var orderID: String
    package var orderNumber: String
    package var status: OrderStatus
    package var neededBy: CalendarDate?
    /// Minutes per measured stage (a stage that is missing was not measured).
    package var minutes: [FulfilmentStage: Int]
    package var totalFulfilmentMinutes: Int?
    package var efficiencyScore: Double?
    package var bottleneck: FulfilmentStage?
    /// When the order was first ready for the customer (reached `shipped`, or a later status
    /// of the flow if the history skips shipping); nil while it is not.
    package var readyAtSeconds: Double?

    /// Whether it was ready by the end of its needed-by day (UTC); nil without a needed-by date
    /// or while not ready.
    package var readyOnTime: Bool? {
        guard let neededBy, let readyAtSeconds else { return nil }
        return CalendarDate(utcDayOf: readyAtSeconds) <= neededBy
    }

    package init(_ timeline: OrderTimeline) {
        orderID = timeline.orderID
        orderNumber = timeline.orderNumber
        status = timeline.status
        neededBy = timeline.neededBy
        var reached: [OrderStatus: Double] = [:]
        for move in timeline.sortedMoves where reached[move.to] == nil {
            reached[move.to] = move.atSeconds
        }
        minutes = [:]
        for stage in FulfilmentStage.allCases {
            guard let start = reached[stage.start], let end = reached[stage.end] else { continue }
            minutes[stage] = Self.wholeMinutes(from: start, to: end)
        }
        if let paid = reached[.paymentConfirmed], let shipped = reached[.shipped] {
            totalFulfilmentMinutes = Self.wholeMinutes(from: paid, to: shipped)
        }
        let readyStatuses = OrderStatus.forwardFlow.drop(while: { $0 != .shipped })
        readyAtSeconds = readyStatuses.compactMap { reached[$0] }.min()
        let measured = FulfilmentStage.allCases.compactMap { stage in minutes[stage].map { (stage, $0) } }
        if !measured.isEmpty {
            let target = measured.reduce(0) { $0 + $1.0.targetMinutes }
            let allowed = measured.reduce(0) { $0 + max($1.1, $1.0.targetMinutes) }
            efficiencyScore = Self.hundredths(100 * Double(target) / Double(allowed))
        }
        bottleneck = Self.bottleneck(measured)
    }

    static func wholeMinutes(from start: Double, to end: Double) -> Int {
        Int((max(0, end - start) / 60).rounded(.down))
    }

    static func hundredths(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// The stage with the largest minutes ÷ target; the earlier stage on a tie.
    static func bottleneck(_ measured: [(FulfilmentStage, Int)]) -> FulfilmentStage? {
        var best: (stage: FulfilmentStage, minutes: Int)?
        for (stage, value) in measured {
            guard let current = best else {
                best = (stage, value)
                continue
            }
            // a/b > c/d without division: a·d > c·b (targets are positive).
            if value * current.stage.targetMinutes > current.minutes * stage.targetMinutes { best = (stage, value) }
        }
        return best?.stage
    }
}
