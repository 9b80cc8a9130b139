import Foundation
import OrderDomain
import Store
import SyncCore

// The JSON shapes of `kct --json` and of the node's local API (one definition for both). Field names are the replica's
// snake_case column names; money is a decimal
// string in the order's currency ("1049.00"; "120000" for JPY).

package struct NodeJSON: Encodable {
    package var nodeID: String
    package var name: String
    package var shopCode: String
    package var createdAt: String
    package var dataDir: String
    package var replica: String

    package init(identity: NodeIdentity, dataDir: String, replica: String) {
        nodeID = identity.nodeID
        name = identity.name
        shopCode = identity.shopCode
        createdAt = identity.createdAt
        self.dataDir = dataDir
        self.replica = replica
    }

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id", name, shopCode = "shop_code", createdAt = "created_at", dataDir = "data_dir", replica
    }
}

package struct ItemJSON: Encodable {
    package var id: String
    package var lineNumber: Int
    package var productName: String
    package var productSource: String
    @Nullable package var size: String?
    @Nullable package var color: String?
    @Nullable package var customMeasurements: JSONValue?
    package var quantity: Int
    package var unitPrice: String
    package var totalPrice: String
    package var createdAt: String

    package init(_ item: OrderItemRecord) {
        id = item.id
        lineNumber = item.lineNumber
        productName = item.productName
        productSource = item.productSource.rawValue
        size = item.size
        color = item.color
        customMeasurements = storedDocument(item.customMeasurements)
        quantity = item.quantity
        unitPrice = item.unitPrice.decimalString
        totalPrice = item.totalPrice.decimalString
        createdAt = item.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, lineNumber = "line_number", productName = "product_name", productSource = "product_source", size, color
        case customMeasurements = "custom_measurements", quantity, unitPrice = "unit_price", totalPrice = "total_price"
        case createdAt = "created_at"
    }

}

package struct HistoryJSON: Encodable {
    package var id: String
    @Nullable package var fromStatus: String?
    package var toStatus: String
    package var changedBy: String
    package var changedAt: String
    @Nullable package var note: String?
    @Nullable package var durationInPreviousSeconds: Int64?

    package init(_ entry: StatusHistoryRecord) {
        id = entry.id
        fromStatus = entry.from?.rawValue
        toStatus = entry.to.rawValue
        changedBy = entry.changedBy
        changedAt = entry.changedAt
        note = entry.note
        durationInPreviousSeconds = entry.durationInPreviousSeconds
    }

    enum CodingKeys: String, CodingKey {
        case id, fromStatus = "from_status", toStatus = "to_status", changedBy = "changed_by", changedAt = "changed_at",
            note
        case durationInPreviousSeconds = "duration_in_previous_seconds"
    }

}

package struct ExceptionJSON: Encodable {
    package var id: String
    package var orderID: String
    package var exceptionType: String
    package var exceptionSeverity: String
    @Nullable package var description: String?
    package var resolutionStatus: String
    package var customerNotified: Bool
    @Nullable package var resolutionNotes: String?
    package var createdAt: String
    package var createdBy: String
    @Nullable package var resolvedAt: String?
    @Nullable package var resolvedBy: String?

    package init(_ exception: ExceptionRecord) {
        id = exception.id
        orderID = exception.orderID
        exceptionType = exception.type
        exceptionSeverity = exception.severity.rawValue
        description = exception.description
        resolutionStatus = exception.resolution.rawValue
        customerNotified = exception.customerNotified
        resolutionNotes = exception.resolutionNotes
        createdAt = exception.createdAt
        createdBy = exception.createdBy
        resolvedAt = exception.resolvedAt
        resolvedBy = exception.resolvedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, orderID = "order_id", exceptionType = "exception_type", exceptionSeverity = "exception_severity",
            description
        case resolutionStatus = "resolution_status", customerNotified = "customer_notified", resolutionNotes =
            "resolution_notes"
        case createdAt = "created_at", createdBy = "created_by", resolvedAt = "resolved_at", resolvedBy = "resolved_by"
    }

}

package struct CommunicationJSON: Encodable {
    package var id: String
    package var communicationType: String
    package var communicationChannel: String
    package var messageContent: String
    package var deliveryStatus: String
    package var createdAt: String
    package var createdBy: String

    package init(_ log: CommunicationRecord) {
        id = log.id
        communicationType = log.type.rawValue
        communicationChannel = log.channel.rawValue
        messageContent = log.message
        deliveryStatus = log.deliveryStatus
        createdAt = log.createdAt
        createdBy = log.createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, communicationType = "communication_type", communicationChannel = "communication_channel"
        case messageContent = "message_content", deliveryStatus = "delivery_status", createdAt = "created_at",
            createdBy = "created_by"
    }
}

/// An order with its items, history, exceptions and communication log. Optional fields are
/// always present (as null) so the shape does not depend on the data.
package struct OrderJSON: Encodable {
    package var id: String
    package var orderNumber: String
    package var status: String
    @Nullable package var resumeStatus: String?
    package var priority: String
    package var customerName: String
    package var customerEmail: String
    @Nullable package var customerPhone: String?
    package var subtotalAmount: String
    package var taxAmount: String
    package var shippingAmount: String
    package var totalAmount: String
    package var currency: String
    @Nullable package var neededBy: String?
    @Nullable package var shippingAddress: JSONValue?
    @Nullable package var billingAddress: JSONValue?
    @Nullable package var notes: String?
    package var createdAt: String
    package var createdBy: String
    package var updatedAt: String
    package var items: [ItemJSON]
    package var statusHistory: [HistoryJSON]
    package var exceptions: [ExceptionJSON]
    package var communications: [CommunicationJSON]
    /// What central's providers answered (payment, label, tracking) and the staff requests to
    /// them; left out (nil) when there are none.
    package var providerFacts: [String: FieldValue]?
    package var integrationRequests: [IntegrationRequestJSON]?

    package init(_ detail: OrderDetail) {
        let order = detail.order
        id = order.id
        orderNumber = order.orderNumber
        status = order.status.rawValue
        resumeStatus = order.resumeStatus?.rawValue
        priority = order.priority.rawValue
        customerName = order.customerName
        customerEmail = order.customerEmail
        customerPhone = order.customerPhone
        subtotalAmount = order.subtotal.decimalString
        taxAmount = order.tax.decimalString
        shippingAmount = order.shipping.decimalString
        totalAmount = order.total.decimalString
        currency = order.currency.code
        neededBy = order.neededBy?.description
        shippingAddress = storedDocument(order.shippingAddress)
        billingAddress = storedDocument(order.billingAddress)
        notes = order.notes
        createdAt = order.createdAt
        createdBy = order.createdBy
        updatedAt = order.updatedAt
        items = detail.items.map(ItemJSON.init)
        statusHistory = detail.history.map(HistoryJSON.init)
        exceptions = detail.exceptions.map(ExceptionJSON.init)
        communications = detail.communications.map(CommunicationJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, orderNumber = "order_number", status, resumeStatus = "resume_status", priority
        case customerName = "customer_name", customerEmail = "customer_email", customerPhone = "customer_phone"
        case subtotalAmount = "subtotal_amount", taxAmount = "tax_amount", shippingAmount = "shipping_amount"
        case totalAmount = "total_amount", currency, neededBy = "needed_by", shippingAddress = "shipping_address"
        case billingAddress = "billing_address", notes, createdAt = "created_at", createdBy = "created_by", updatedAt =
            "updated_at"
        case items, statusHistory = "status_history", exceptions, communications = "customer_communication_logs"
        case providerFacts = "provider_facts", integrationRequests = "integration_requests"
    }

}

/// A queue line; `score_parts` says why it scores what it does (`priority` + `age` +
/// `needed_by` = `priority_score`).
package struct QueueEntryJSON: Encodable {
    package struct ScoreParts: Encodable {
        package var priority: Int
        package var age: Int
        package var neededBy: Int

        enum CodingKeys: String, CodingKey { case priority, age, neededBy = "needed_by" }
    }

    package var queuePosition: Int
    package var priorityScore: Int
    package var scoreParts: ScoreParts
    package var queueType: String
    package var orderID: String
    package var orderNumber: String
    package var status: String
    package var priority: String
    package var customerName: String
    @Nullable package var neededBy: String?
    package var createdAt: String
    package var totalAmount: String
    package var currency: String
    @Nullable package var claim: ClaimJSON?

    package init(_ entry: QueueEntry) {
        queuePosition = entry.position
        priorityScore = entry.score
        scoreParts = ScoreParts(
            priority: entry.scoreParts.priority, age: entry.scoreParts.age, neededBy: entry.scoreParts.neededBy)
        queueType = entry.queueType
        orderID = entry.order.id
        orderNumber = entry.order.orderNumber
        status = entry.order.status.rawValue
        priority = entry.order.priority.rawValue
        customerName = entry.order.customerName
        neededBy = entry.order.neededBy?.description
        createdAt = entry.order.createdAt
        totalAmount = entry.order.total.decimalString
        currency = entry.order.currency.code
        claim = entry.claim.map(ClaimJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case claim
        case queuePosition = "queue_position", priorityScore = "priority_score", scoreParts = "score_parts"
        case queueType = "queue_type", orderID = "order_id"
        case orderNumber = "order_number", status, priority, customerName = "customer_name", neededBy = "needed_by"
        case createdAt = "created_at", totalAmount = "total_amount", currency
    }

}

/// Who holds an order of the queue: `{"by": e-mail, "name", "at": when claimed, "stage"}`.
package struct ClaimJSON: Encodable {
    package var by: String
    package var name: String
    package var at: String
    package var stage: String

    package init(_ holder: ClaimHolder) {
        by = holder.email
        name = holder.name
        at = holder.at
        stage = holder.stage.rawValue
    }
}

package struct StatsJSON: Encodable {
    package struct Revenue: Encodable {
        package var currency: String
        package var paidOrders: Int
        package var totalRevenue: String
        package var averageOrderValue: String

        enum CodingKeys: String, CodingKey {
            case currency, paidOrders = "paid_orders", totalRevenue = "total_revenue", averageOrderValue =
                "average_order_value"
        }
    }

    package var totalOrders: Int
    package var pendingOrders: Int
    package var processingOrders: Int
    package var shippedOrders: Int
    package var completedOrders: Int
    package var rushOrders: Int
    package var revenue: [Revenue]
    /// Status name → number of orders, every status present (0 when none).
    package var ordersByStatus: [String: Int]

    package init(_ stats: DashboardStats) {
        totalOrders = stats.totalOrders
        pendingOrders = stats.pendingOrders
        processingOrders = stats.processingOrders
        shippedOrders = stats.shippedOrders
        completedOrders = stats.completedOrders
        rushOrders = stats.rushOrders
        ordersByStatus = Dictionary(
            uniqueKeysWithValues: OrderStatus.allCases.map { ($0.rawValue, stats.byStatus[$0] ?? 0) })
        revenue = stats.revenue.map {
            Revenue(
                currency: $0.currency.code, paidOrders: $0.paidOrders, totalRevenue: $0.totalRevenue.decimalString,
                averageOrderValue: $0.averageOrderValue.decimalString)
        }
    }

    enum CodingKeys: String, CodingKey {
        case totalOrders = "total_orders", pendingOrders = "pending_orders", processingOrders = "processing_orders"
        case shippedOrders = "shipped_orders", completedOrders = "completed_orders", rushOrders = "rush_orders", revenue
        case ordersByStatus = "orders_by_status"
    }
}

package struct OutboxJSON: Encodable {
    package var nodeID: String
    package var pendingCount: Int
    package var lastSequence: Int64
    package var pushedUpTo: Int64
    package var entries: [Change]

    package init(nodeID: String, pendingCount: Int, lastSequence: Int64, pushedUpTo: Int64, entries: [Change]) {
        self.nodeID = nodeID
        self.pendingCount = pendingCount
        self.lastSequence = lastSequence
        self.pushedUpTo = pushedUpTo
        self.entries = entries
    }

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id", pendingCount = "pending_count", lastSequence = "last_sequence", pushedUpTo =
            "pushed_up_to", entries
    }
}
