import Foundation

/// A postal address as EasyPost takes it (`to_address`, `from_address`).
package struct PostalAddress: Hashable, Sendable, Codable {
    package var name: String
    package var company: String?
    package var street1: String
    package var street2: String?
    package var city: String
    package var state: String?
    package var zip: String
    /// ISO 3166 alpha-2 (`US`).
    package var country: String
    package var phone: String?
    package var email: String?

    package init(
        name: String, company: String? = nil, street1: String, street2: String? = nil, city: String,
        state: String? = nil, zip: String, country: String, phone: String? = nil, email: String? = nil
    ) {
        self.name = name
        self.company = company
        self.street1 = street1
        self.street2 = street2
        self.city = city
        self.state = state
        self.zip = zip
        self.country = country
        self.phone = phone
        self.email = email
    }

    /// From an order's `shipping_address` JSON object. kct's own keys (`line1`, `line2`, `city`,
    /// `region`, `postal_code`, `country`, as in examples/orders.json) and EasyPost's (`street1`,
    /// `street2`, `state`, `zip`) are both read; the customer's name, e-mail and phone complete it.
    package init(orderAddressJSON text: String, name: String, email: String?, phone: String?) throws(ProviderError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .invalidIntent("the order's shipping address is not a JSON object")
        }
        func field(_ names: String...) -> String? {
            for name in names {
                if let value = object[name] as? String, !value.trimmingSpaces.isEmpty { return value.trimmingSpaces }
            }
            return nil
        }
        var missing: [String] = []
        let street1 = field("line1", "street1", "address1")
        let city = field("city")
        let zip = field("postal_code", "zip", "postcode")
        let country = field("country")
        if street1 == nil { missing.append("line1") }
        if city == nil { missing.append("city") }
        if zip == nil { missing.append("postal_code") }
        if country == nil { missing.append("country") }
        guard missing.isEmpty, let street1, let city, let zip, let country else {
            throw .invalidIntent("the order's shipping address lacks \(missing.joined(separator: ", "))")
        }
        self.init(
            name: field("name") ?? name, company: field("company"), street1: street1,
            street2: field("line2", "street2"),
            city: city, state: field("region", "state"), zip: zip, country: country, phone: field("phone") ?? phone,
            email: email)
    }
}
