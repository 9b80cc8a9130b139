import Foundation
import OrderDomain
import Store
import SyncCore

// The JSON shapes of `kct --json` and of the node's local API (one definition for both). Field names are the replica's snake_case column names; money is a decimal
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
    package var size: String?
    package var color: String?
    package var customMeasurements: JSONDocument?
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
        customMeasurements = JSONDocument.parse(item.customMeasurements)
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

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(lineNumber, forKey: .lineNumber)
        try container.encode(productName, forKey: .productName)
        try container.encode(productSource, forKey: .productSource)
        try container.encode(size, forKey: .size)
        try container.encode(color, forKey: .color)
        try container.encode(customMeasurements, forKey: .customMeasurements)
        try container.encode(quantity, forKey: .quantity)
        try container.encode(unitPrice, forKey: .unitPrice)
        try container.encode(totalPrice, forKey: .totalPrice)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

package struct HistoryJSON: Encodable {
    package var id: String
    package var fromStatus: String?
    package var toStatus: String
    package var changedBy: String
    package var changedAt: String
    package var note: String?
    package var durationInPreviousSeconds: Int64?

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

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(fromStatus, forKey: .fromStatus)
        try container.encode(toStatus, forKey: .toStatus)
        try container.encode(changedBy, forKey: .changedBy)
        try container.encode(changedAt, forKey: .changedAt)
        try container.encode(note, forKey: .note)
        try container.encode(durationInPreviousSeconds, forKey: .durationInPreviousSeconds)
    }
}

package struct ExceptionJSON: Encodable {
    package var id: String
    package var orderID: String
    package var exceptionType: String
    package var exceptionSeverity: String
    package var description: String?
    package var resolutionStatus: String
    package var customerNotified: Bool
    package var resolutionNotes: String?
    package var createdAt: String
    package var createdBy: String
    package var resolvedAt: String?
    package var resolvedBy: String?

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

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(orderID, forKey: .orderID)
        try container.encode(exceptionType, forKey: .exceptionType)
        try container.encode(exceptionSeverity, forKey: .exceptionSeverity)
        try container.encode(description, forKey: .description)
        try container.encode(resolutionStatus, forKey: .resolutionStatus)
        try container.encode(customerNotified, forKey: .customerNotified)
        try container.encode(resolutionNotes, forKey: .resolutionNotes)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(resolvedAt, forKey: .resolvedAt)
        try container.encode(resolvedBy, forKey: .resolvedBy)
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
    package var order: OrderRecord
    package var items: [ItemJSON]
    package var statusHistory: [HistoryJSON]
    package var exceptions: [ExceptionJSON]
    package var communications: [CommunicationJSON]
    /// What central's providers answered (payment, label, tracking) and the staff requests to
    /// them; written only when there are any.
    package var providerFacts: [String: FieldValue] = [:]
    package var integrationRequests: [IntegrationRequestJSON] = []

    package init(_ detail: OrderDetail) {
        order = detail.order
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

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(order.id, forKey: .id)
        try container.encode(order.orderNumber, forKey: .orderNumber)
        try container.encode(order.status.rawValue, forKey: .status)
        try container.encode(order.resumeStatus?.rawValue, forKey: .resumeStatus)
        try container.encode(order.priority.rawValue, forKey: .priority)
        try container.encode(order.customerName, forKey: .customerName)
        try container.encode(order.customerEmail, forKey: .customerEmail)
        try container.encode(order.customerPhone, forKey: .customerPhone)
        try container.encode(order.subtotal.decimalString, forKey: .subtotalAmount)
        try container.encode(order.tax.decimalString, forKey: .taxAmount)
        try container.encode(order.shipping.decimalString, forKey: .shippingAmount)
        try container.encode(order.total.decimalString, forKey: .totalAmount)
        try container.encode(order.currency.code, forKey: .currency)
        try container.encode(order.neededBy?.description, forKey: .neededBy)
        try container.encode(JSONDocument.parse(order.shippingAddress), forKey: .shippingAddress)
        try container.encode(JSONDocument.parse(order.billingAddress), forKey: .billingAddress)
        try container.encode(order.notes, forKey: .notes)
        try container.encode(order.createdAt, forKey: .createdAt)
        try container.encode(order.createdBy, forKey: .createdBy)
        try container.encode(order.updatedAt, forKey: .updatedAt)
        try container.encode(items, forKey: .items)
        try container.encode(statusHistory, forKey: .statusHistory)
        try container.encode(exceptions, forKey: .exceptions)
        try container.encode(communications, forKey: .communications)
        if !providerFacts.isEmpty { try container.encode(providerFacts, forKey: .providerFacts) }
        if !integrationRequests.isEmpty { try container.encode(integrationRequests, forKey: .integrationRequests) }
    }
}

package struct QueueEntryJSON: Encodable {
    package var queuePosition: Int
    package var priorityScore: Int
    package var queueType: String
    package var orderID: String
    package var orderNumber: String
    package var status: String
    package var priority: String
    package var customerName: String
    package var neededBy: String?
    package var createdAt: String
    package var totalAmount: String
    package var currency: String

    package init(_ entry: QueueEntry) {
        queuePosition = entry.position
        priorityScore = entry.score
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
    }

    enum CodingKeys: String, CodingKey {
        case queuePosition = "queue_position", priorityScore = "priority_score", queueType = "queue_type", orderID =
            "order_id"
        case orderNumber = "order_number", status, priority, customerName = "customer_name", neededBy = "needed_by"
        case createdAt = "created_at", totalAmount = "total_amount", currency
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queuePosition, forKey: .queuePosition)
        try container.encode(priorityScore, forKey: .priorityScore)
        try container.encode(queueType, forKey: .queueType)
        try container.encode(orderID, forKey: .orderID)
        try container.encode(orderNumber, forKey: .orderNumber)
        try container.encode(status, forKey: .status)
        try container.encode(priority, forKey: .priority)
        try container.encode(customerName, forKey: .customerName)
        try container.encode(neededBy, forKey: .neededBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(totalAmount, forKey: .totalAmount)
        try container.encode(currency, forKey: .currency)
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

    package init(_ stats: DashboardStats) {
        totalOrders = stats.totalOrders
        pendingOrders = stats.pendingOrders
        processingOrders = stats.processingOrders
        shippedOrders = stats.shippedOrders
        completedOrders = stats.completedOrders
        rushOrders = stats.rushOrders
        revenue = stats.revenue.map {
            Revenue(
                currency: $0.currency.code, paidOrders: $0.paidOrders, totalRevenue: $0.totalRevenue.decimalString,
                averageOrderValue: $0.averageOrderValue.decimalString)
        }
    }

    enum CodingKeys: String, CodingKey {
        case totalOrders = "total_orders", pendingOrders = "pending_orders", processingOrders = "processing_orders"
        case shippedOrders = "shipped_orders", completedOrders = "completed_orders", rushOrders = "rush_orders", revenue
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
