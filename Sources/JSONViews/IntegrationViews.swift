import Store
import SyncCore

/// A staff request to central's providers, as `--json` prints it.
package struct IntegrationRequestJSON: Encodable {
    let request: IntegrationRequestRecord

    package init(_ request: IntegrationRequestRecord) { self.request = request }

    enum CodingKeys: String, CodingKey {
        case id, orderID = "order_id", kind = "request_kind", rateID = "rate_id", template, createdAt = "created_at"
        case createdBy = "created_by", state = "request_state", answer, answeredAt = "answered_at"
        case queued
    }

    // Absent values are written as null, so every object has the same keys.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request.id, forKey: .id)
        try container.encode(request.orderID, forKey: .orderID)
        try container.encode(request.kind.rawValue, forKey: .kind)
        try container.encode(request.rateID, forKey: .rateID)
        try container.encode(request.template, forKey: .template)
        try container.encode(request.createdAt, forKey: .createdAt)
        try container.encode(request.createdBy, forKey: .createdBy)
        try container.encode(request.state?.rawValue, forKey: .state)
        try container.encode(request.answer, forKey: .answer)
        try container.encode(request.answeredAt, forKey: .answeredAt)
        try container.encode(request.isQueued, forKey: .queued)
    }
}
