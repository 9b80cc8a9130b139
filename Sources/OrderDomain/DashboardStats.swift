/// The dashboard figures of KCT's original system (`DashboardStatsType`), computed from counts
/// and sums grouped by status, resume status, priority and currency.
///
/// - pending: `pending_payment`, `payment_confirmed`
/// - processing: `processing`, `in_production`, `quality_check`, `packaging`
/// - shipped: `shipped`, `out_for_delivery`, `delivered`
/// - completed: `completed`
/// - revenue: totals of orders that have been paid and not cancelled or refunded, i.e. whose
///   status (for a suspended order: its resume status) lies on the flow from
///   `payment_confirmed` to `completed`; per currency, since amounts in different currencies
///   cannot be added. Average order value is revenue / paid orders, rounded half away from zero.
/// - rush: orders with priority `rush` that are not in a terminal status.
package struct DashboardStats: Hashable, Sendable {
    /// One group of orders with the same status, resume status, priority and currency.
    package struct Group: Hashable, Sendable {
        package var status: OrderStatus
        package var resumeStatus: OrderStatus?
        package var priority: OrderPriority
        package var currency: Currency
        package var count: Int
        /// Sum of `total_amount` in minor units.
        package var totalMinorUnits: Int64

        package init(
            status: OrderStatus, resumeStatus: OrderStatus?, priority: OrderPriority, currency: Currency, count: Int,
            totalMinorUnits: Int64
        ) {
            self.status = status
            self.resumeStatus = resumeStatus
            self.priority = priority
            self.currency = currency
            self.count = count
            self.totalMinorUnits = totalMinorUnits
        }
    }

    package struct Revenue: Hashable, Sendable {
        package var currency: Currency
        package var paidOrders: Int
        package var totalRevenue: Money
        package var averageOrderValue: Money
    }

    package var totalOrders = 0
    package var pendingOrders = 0
    package var processingOrders = 0
    package var shippedOrders = 0
    package var completedOrders = 0
    package var rushOrders = 0
    /// How many orders are in each status (statuses with none are absent), for the web app's
    /// "orders by status" chart.
    package var byStatus: [OrderStatus: Int] = [:]
    /// Sorted by currency code.
    package var revenue: [Revenue] = []

    package enum Bucket: Sendable { case pending, processing, shipped, completed, other }

    package static func bucket(_ status: OrderStatus) -> Bucket {
        switch status {
        case .pendingPayment, .paymentConfirmed: .pending
        case .processing, .inProduction, .qualityCheck, .packaging: .processing
        case .shipped, .outForDelivery, .delivered: .shipped
        case .completed: .completed
        case .cancelled, .refunded, .onHold, .exception: .other
        }
    }

    /// Whether an order in `status` counts towards revenue.
    package static func isPaid(status: OrderStatus, resumeStatus: OrderStatus?) -> Bool {
        let anchor = status.isSuspension ? resumeStatus : status
        guard let index = anchor?.flowIndex else { return false }
        return index >= OrderStatus.forwardFlow.firstIndex(of: .paymentConfirmed)!
    }

    package init(groups: [Group]) {
        var sums: [Currency: (count: Int, total: Int64)] = [:]
        for group in groups {
            totalOrders += group.count
            byStatus[group.status, default: 0] += group.count
            switch Self.bucket(group.status) {
            case .pending: pendingOrders += group.count
            case .processing: processingOrders += group.count
            case .shipped: shippedOrders += group.count
            case .completed: completedOrders += group.count
            case .other: break
            }
            if group.priority == .rush, !group.status.isTerminal { rushOrders += group.count }
            if Self.isPaid(status: group.status, resumeStatus: group.resumeStatus) {
                let previous = sums[group.currency] ?? (0, 0)
                sums[group.currency] = (previous.count + group.count, previous.total + group.totalMinorUnits)
            }
        }
        revenue = sums.sorted { $0.key.code < $1.key.code }.map { currency, sum in
            let total = Money(minorUnits: sum.total, currency: currency)
            return Revenue(
                currency: currency, paidOrders: sum.count, totalRevenue: total,
                averageOrderValue: total.divided(by: sum.count))
        }
    }
}
