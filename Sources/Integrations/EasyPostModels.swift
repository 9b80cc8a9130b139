import Foundation
import OrderDomain

/// A Shipment as EasyPost returns it (the fields kct reads).
package struct EasyPostShipment: Hashable, Sendable, Decodable {
    package var id: String
    package var rates: [EasyPostRate]
    package var selectedRate: EasyPostRate?
    package var labelURL: String?
    package var trackingCode: String?
    package var tracker: EasyPostTracker?

    /// Postage was bought: the label exists.
    package var isPurchased: Bool { labelURL != nil }

    private enum CodingKeys: String, CodingKey {
        case id, rates, tracker
        case selectedRate = "selected_rate"
        case postageLabel = "postage_label"
        case trackingCode = "tracking_code"
    }

    private struct PostageLabel: Decodable {
        var labelURL: String?

        enum CodingKeys: String, CodingKey { case labelURL = "label_url" }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        rates = try container.decodeIfPresent([EasyPostRate].self, forKey: .rates) ?? []
        selectedRate = try container.decodeIfPresent(EasyPostRate.self, forKey: .selectedRate)
        labelURL = try container.decodeIfPresent(PostageLabel.self, forKey: .postageLabel)?.labelURL
        trackingCode = try container.decodeIfPresent(String.self, forKey: .trackingCode)
        tracker = try container.decodeIfPresent(EasyPostTracker.self, forKey: .tracker)
    }
}

/// One carrier's offer for a shipment.
package struct EasyPostRate: Hashable, Sendable, Decodable {
    package var id: String
    package var carrier: String
    package var service: String
    /// The price as EasyPost writes it: a decimal string (`"7.58"`) in `currency`.
    package var rate: String
    package var currency: String
    package var deliveryDays: Int?

    private enum CodingKeys: String, CodingKey {
        case id, carrier, service, rate, currency
        case deliveryDays = "delivery_days"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        carrier = try container.decode(String.self, forKey: .carrier)
        service = try container.decode(String.self, forKey: .service)
        rate = try container.decode(String.self, forKey: .rate)
        currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "USD"
        deliveryDays = try? container.decodeIfPresent(Int.self, forKey: .deliveryDays)
    }

    /// The price as exact money; nil if EasyPost's text is not a plain amount in a known currency.
    package var price: Money? {
        guard let currency = try? Currency(code: currency) else { return nil }
        return try? Money(parsing: rate, currency: currency)
    }
}

/// A Tracker: the parcel's progress as the carrier reports it.
package struct EasyPostTracker: Hashable, Sendable, Decodable {
    package var id: String
    package var trackingCode: String?
    /// EasyPost's status: `unknown`, `pre_transit`, `in_transit`, `out_for_delivery`, `delivered`,
    /// `available_for_pickup`, `return_to_sender`, `failure`, `cancelled` or `error`.
    package var status: String
    package var statusDetail: String?
    package var carrier: String?
    package var shipmentID: String?
    package var publicURL: String?
    /// The carrier's latest message, if any.
    package var latestMessage: String?

    /// The status in kct's terms (OrderDomain names them as EasyPost does); nil for a status
    /// EasyPost has added since.
    package var trackingStatus: TrackingStatus? { TrackingStatus(rawValue: status) }

    private enum CodingKeys: String, CodingKey {
        case id, status, carrier
        case trackingCode = "tracking_code"
        case statusDetail = "status_detail"
        case shipmentID = "shipment_id"
        case publicURL = "public_url"
        case trackingDetails = "tracking_details"
    }

    private struct Detail: Decodable { var message: String? }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        trackingCode = try container.decodeIfPresent(String.self, forKey: .trackingCode)
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? "unknown"
        statusDetail = try container.decodeIfPresent(String.self, forKey: .statusDetail)
        carrier = try container.decodeIfPresent(String.self, forKey: .carrier)
        shipmentID = try container.decodeIfPresent(String.self, forKey: .shipmentID)
        publicURL = try container.decodeIfPresent(String.self, forKey: .publicURL)
        latestMessage = try container.decodeIfPresent([Detail].self, forKey: .trackingDetails)?.last?.message
    }
}

/// EasyPost's error body: `{"error": {"code": "SHIPMENT.POSTAGE.EXISTS", "message": …}}`.
package struct EasyPostErrorBody: Hashable, Sendable, Decodable {
    package struct Detail: Hashable, Sendable, Decodable {
        package var code: String
        package var message: String?
    }

    package var error: Detail
}
