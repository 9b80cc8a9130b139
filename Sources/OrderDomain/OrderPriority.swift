import Foundation

/// The eight priorities of an order, with exactly the raw names of KCT's original schema.
package enum OrderPriority: String, CaseIterable, Codable, Sendable, Hashable {
    case low
    case normal
    case high
    case urgent
    case rush
    case weddingParty = "wedding_party"
    case promGroup = "prom_group"
    case vipCustomer = "vip_customer"

    /// Parses a raw priority name, also accepting dashes and upper case (`Wedding-Party`).
    package init?(parsing text: String) {
        let normalised = text.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "-", with: "_")
        self.init(rawValue: normalised)
    }
}

extension OrderPriority: CustomStringConvertible {
    package var description: String { rawValue }
}
